"""The numpydoc Parameters and Attributes sections shared by BernoulliRBM, SpinRBM and GaussianRBM
(rgflow.rbm), written once and filled with each class's defaults."""

_PARAMETERS = """
    Parameters
    ----------
    n_components : int, default=256
        Number of hidden units.
    learning_rate : float, default={learning_rate}
        Step size applied to the batch-mean gradient (as scikit-learn), > 0; the first
        epoch's rate when a schedule decays it.
    batch_size : int, default={batch_size}
        Rows per mini-batch (also the number of persistent chains of PCD).
    n_iter : int or 'auto', default={epochs}
        Epochs (passes over the data). 'auto': automatic stopping on a held-out score
        (docs/training.md, as ``rgflow rbm train --epochs auto``): a seeded
        ``validation_fraction`` of the rows is held out and scored after every epoch (exact
        held-out log-likelihood per unit when the smaller layer has <= 20 units, else AIS);
        training stops after ``patience`` epochs without improvement beyond the score's
        error, at most ``max_iter``, keeping the best epoch's model (``stop_``).
    verbose : int, default=0
        Print scikit-learn's line "[BernoulliRBM] Iteration k, pseudo-likelihood = ...,
        time = ...s" after every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds rgflow's Philox streams (initialisation, batch order, chains); see
        :func:`rgflow.rbm.seed_from_random_state`.
    method : str, default='{method}'
        Negative phase: 'cd' (CD-k), 'pcd' (persistent CD-k, scikit-learn's choice), or any
        other method the C++ trainer knows, by name (e.g. 'tap2', or 'pt' where built in).
    steps : int, default={steps}
        Gibbs steps k per update.
    momentum : float in [0, 1) or 'hinton', default={momentum}
        Constant momentum (0: plain SGD as scikit-learn), or Hinton's 0.5 for 5 epochs then
        0.9.
    l1 : float, default=0.0
        Weight cost on abs(W) (weights only).
    l2 : float, default=0.0
        Weight cost on W**2 / 2 (weights only).
    sparsity_target : float in (0, 1) or None, default=None
        Hinton (2010) section 11 target of the mean hidden activity; None: no target.
    sparsity_cost : float, default=0.1
        Weight of the sparsity penalty (with ``sparsity_target``).
    hidden_type : {{'auto', 'bernoulli', 'spin'}}, default='auto'
        Hidden units; 'auto': spin for spin visible units (SpinRBM), else Bernoulli.
    train_options : dict or None, default=None
        Further fields of the C++ TrainConfig by their JSON names (docs/python.md), e.g.
        ``{{"pcd_hidden_state": True}}`` for scikit-learn's PCD chains.
    patience : int, default=10
        With ``n_iter='auto'``: epochs without improvement before stopping.
    max_iter : int, default=1000
        With ``n_iter='auto'``: the cap on the epochs.
    validation_fraction : float in (0, 1), default=0.1
        With ``n_iter='auto'``: the fraction of rows held out for the stopping score.
    learning_rate_final : float, 'auto' or None, default='auto'
        Where the learning rate ends after ``n_iter`` epochs ('auto': learning_rate / 100);
        must be 'auto' or None with ``lr_schedule='constant'``.
    lr_schedule : {{'cosine', 'linear', 'exponential', 'constant'}}, default='{schedule}'
        How the rate moves to ``learning_rate_final`` (docs/training.md); 'constant' keeps
        ``learning_rate``.
    centering : bool, default={centering}
        Centred gradients (Melchior, Fischer & Wiskott 2016), binary units only.
    symmetry : {{'auto', 'none', 'z2'}}, default='auto'
        'z2' ties every bias to 0 so that p(v) = p(-v) (spin units on both layers); 'auto'
        does so when both layers are spin units and the training rows pass
        :func:`rgflow.z2_consistent` (``symmetry_`` records the choice).
    visible_bias_init : {{'data', 'zero'}}, default='data'
        Initial visible biases: 'data' sets them from the training rows' means (Hinton 2010
        section 8, as ``rgflow rbm train``), 'zero' starts at 0 as scikit-learn does (with
        scikit-learn's other settings it closes the downstream-accuracy gap measured in
        docs/python.md, "scikit-learn parity").{extra_parameters}

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights W (a view of ``rbm_.weights.T``; writing to it changes the model).
    intercept_hidden_ : ndarray of shape (n_components,)
        Hidden biases (a view).
    intercept_visible_ : ndarray of shape (n_features,)
        Visible biases (a view).
    h_samples_ : ndarray of shape (n_chains, n_components)
        Hidden states of the persistent chains after training (scikit-learn's attribute):
        kept by hidden-state PCD, drawn from P(h | v_chain) for visible-state PCD, empty
        (0 rows) for the other methods (CD has no persistent chains).
    n_features_in_ : int
        Number of features seen by fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen by fit, when X has string feature names.
    n_iter_ : int
        Epochs done.
    rbm_ : rgflow.Rbm
        The C++ model.
    seed_ : int
        The seed of rgflow's streams.
    symmetry_ : str
        The symmetry used ('none' or 'z2').
    history_ : list of dict
        Per-epoch monitors (reconstruction error, pseudo-log-likelihood, free energy).
    fit_report_ : dict or None
        After fit: the quality gate of ``rgflow rbm train`` on the training rows (or the
        validation rows of ``n_iter='auto'``): log-likelihood per unit, its independent-unit
        baseline, ``above_baseline``.
    stop_ : dict or None
        After fit with ``n_iter='auto'``: score, best_epoch, stop_reason ('converged' or
        'max_epochs'), best_score, history (one held-out score per epoch).{extra_attributes}
"""


def class_docstring(intro, d, extra_parameters="", extra_attributes=""):
    """A class docstring: ``intro``, then the Parameters and Attributes sections shared by the
    RBM estimators, with the defaults ``d`` (a ``default_train_config`` dict) filled in."""
    fields = dict(learning_rate=d["learning_rate"], batch_size=d["batch_size"],
                  epochs=d["epochs"], method=d["method"], steps=d["steps"],
                  momentum=d["momentum_final"], schedule=d["schedule"],
                  centering=d["centering"], extra_parameters=extra_parameters,
                  extra_attributes=extra_attributes)
    return intro + _PARAMETERS.format(**fields)
