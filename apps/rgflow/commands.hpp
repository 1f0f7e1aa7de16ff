#pragma once
// The rgflow command line: one file per command group, each adding its subcommands to the app.
// A subcommand's callback does the work; user errors are thrown as rgflow::Error (or FileError)
// and main() turns them into one line on stderr and exit status 2.
#include <CLI/CLI.hpp>

namespace rgflow::cli {

void add_demo_command(CLI::App& app);    // cmd_demo.cpp
void add_rbm_commands(CLI::App& app);    // cmd_rbm.cpp:   rgflow rbm train|logz|loglik|sample|filters
void add_ising_commands(CLI::App& app);  // cmd_ising.cpp: rgflow ising sample|observe|exact|block|mcrg
void add_dbn_commands(CLI::App& app);    // cmd_dbn.cpp:   rgflow dbn train|flow|sample
void add_rg_commands(CLI::App& app);     // cmd_rg.cpp:    rgflow rg couplings|receptive-fields|flow|free-energy-flow
void add_vrg_commands(CLI::App& app);    // cmd_vrg.cpp:   rgflow vrg run
void add_rsmi_commands(CLI::App& app);   // cmd_rsmi.cpp:  rgflow rg rsmi|coarse-grain (after add_rg_commands)
void add_sandpile_commands(CLI::App& app);  // cmd_sandpile.cpp: rgflow sandpile run|stats|recurrent|rg
void add_lppl_commands(CLI::App& app);   // cmd_lppl.cpp:  rgflow lppl fit|synth|coverage
void add_hopfield_commands(CLI::App& app);     // cmd_hopfield.cpp:    rgflow hopfield store|recall|capacity|spurious|to-rbm, rbm to-hopfield
void add_nmf_commands(CLI::App& app);          // cmd_nmf.cpp:         rgflow nmf fit|flow
void add_manifold_commands(CLI::App& app);     // cmd_manifold.cpp:    rgflow manifold embed|cluster
void add_autoencoder_commands(CLI::App& app);  // cmd_autoencoder.cpp: rgflow autoencoder train|reconstruct
void add_conv_commands(CLI::App& app);         // cmd_conv.cpp:        rgflow conv train|logz|loglik|bonds

}  // namespace rgflow::cli
