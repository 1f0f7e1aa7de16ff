# Misspelt commands and options (issue #21, "the CLI helps"): one line naming the word, the command
# it was given to and the closest valid spelling; exit 2, nothing written. Valid command lines that
# fail for another reason keep CLI11's message.
source "$(dirname "$0")/common.sh" "$1"

expect_bad_input "misspelt subcommand" - "'trian' is not a command of 'rgflow rbm' (did you mean 'train'?)" -- "$RGFLOW" rbm trian
expect_bad_input "misspelt top-level command" - "'isng' is not a command of 'rgflow' (did you mean 'ising'?)" -- "$RGFLOW" isng sample -L 4
expect_bad_input "misspelt option" m.h5 "unknown option '--hiden' for 'rgflow rbm train' (did you mean '--hidden'?)" -- "$RGFLOW" rbm train x.npy --hiden 20 -o m.h5
expect_bad_input "transposed letters" m.h5 "(did you mean '--learning-rate'?)" -- "$RGFLOW" rbm train x.npy --hidden 2 --lerannig-rate 0.1 -o m.h5
expect_bad_input "negated flag" m.h5 "(did you mean '--no-centering'?)" -- "$RGFLOW" rbm train x.npy --hidden 2 --no-centring -o m.h5
# Option values (also negative numbers) are skipped; the unknown option after them is named.
expect_bad_input "after values" s.h5 "unknown option '--seeed' for 'rgflow ising sample' (did you mean '--seed'?)" -- \
  "$RGFLOW" ising sample -L 4 -T 2 -n 10 --field -0.5 --seeed 3 -o s.h5
# Nothing close: no guess; an unknown command lists the commands.
expect_bad_input "no close option" m.h5 "unknown option '--zzzzzz' for 'rgflow rbm train' (see --help)" -- "$RGFLOW" rbm train x.npy --hidden 2 -o m.h5 --zzzzzz
expect_bad_input "no close command" - "'xyz' is not a command of 'rgflow rbm' (commands: train, logz" -- "$RGFLOW" rbm xyz
# Every word placed: CLI11's message stands.
expect_bad_input "missing required option" - "--output is required" -- "$RGFLOW" rbm train x.npy --hidden 2
expect_bad_input "no command" - "A subcommand is required" -- "$RGFLOW"
echo "PASS"
