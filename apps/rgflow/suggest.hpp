#pragma once
// "Did you mean": when CLI11 rejects a command line, find the first word it could not place — a
// command that is not a subcommand of the one before it, or an option the command does not have —
// and name the closest valid spelling (issue #21: `rbm trian` used to say only "A subcommand is
// required", `--hiden 20` "The following arguments were not expected: 20 --hiden").
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rgflow::cli {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, each costing 1).
int edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` within max(1, |word| / 3) edits, the first in `candidates`
// order on ties; nullopt when none is that close.
std::optional<std::string> closest(const std::string& word, const std::vector<std::string>& candidates);

// The one-line message for a command line that failed to parse, or nullopt when every word was
// placed (then CLI11's own message stands): "'trian' is not a command of 'rgflow rbm' (did you
// mean 'train'?)", "unknown option '--hiden' for 'rgflow rbm train' (did you mean '--hidden'?)".
// args: the command line without the program name.
std::optional<std::string> unplaced_word_message(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace rgflow::cli
