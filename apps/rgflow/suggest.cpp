#include "suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "rgflow/core/quote.hpp"

namespace rgflow::cli {

int edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> closest(const std::string& word, const std::vector<std::string>& candidates) {
  const int limit = std::max<int>(1, static_cast<int>(word.size()) / 3);
  std::optional<std::string> best;
  int best_distance = limit + 1;
  for (const auto& c : candidates) {
    const int dist = edit_distance(word, c);
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

namespace {

std::string command_path(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    path = a->get_parent() == nullptr ? "rgflow" + path : " " + a->get_name() + path;
  }
  return path;
}

std::vector<const CLI::App*> subcommands(const CLI::App* app) {
  return app->get_subcommands([](const CLI::App*) { return true; });
}

// "-0.5", "-3": a (negative) number, which is a value, never an option.
bool is_number(const std::string& s) {
  return s.size() > 1 && s[0] == '-' && (std::isdigit(static_cast<unsigned char>(s[1])) != 0 || s[1] == '.');
}

std::vector<std::string> option_spellings(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* opt : a->get_options()) {
      for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
      for (const auto& s : opt->get_snames()) names.push_back("-" + s);
      for (const auto& f : opt->get_fnames()) {
        if (f.rfind("no-", 0) == 0 || f.rfind("no_", 0) == 0) names.push_back("--" + f);
      }
    }
    if (!a->get_fallthrough()) break;  // a parent's options count only with fallthrough
  }
  return names;
}

const CLI::Option* find_option(const CLI::App* app, const std::string& name) {
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    if (const CLI::Option* opt = a->get_option_no_throw(name)) return opt;
    if (!a->get_fallthrough()) break;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> unplaced_word_message(const CLI::App& app, const std::vector<std::string>& args) {
  const CLI::App* current = &app;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word == "--") return std::nullopt;  // everything after is positional
    if (word.size() > 1 && word[0] == '-' && !is_number(word)) {
      const std::string name = word.substr(0, word.find('='));
      if (name == "-h" || name == "--help" || name == "--help-all" || name == "--version") continue;
      const CLI::Option* opt = find_option(current, name);
      if (opt == nullptr) {
        const auto guess = closest(name, option_spellings(current));
        return fmt::format("unknown option {} for '{}'{}", quote(name), command_path(current),
                           guess ? fmt::format(" (did you mean '{}'?)", *guess) : std::string());
      }
      // Its values: the next words that are not options (one for a scalar option, any number
      // for a list), unless given as --name=value.
      const int expected = opt->get_items_expected_max();
      if (word.find('=') == std::string::npos && expected > 0) {
        int taken = 0;
        while (taken < expected && i + 1 < args.size() &&
               (args[i + 1].empty() || args[i + 1][0] != '-' || is_number(args[i + 1]))) {
          ++i;
          ++taken;
        }
      }
      continue;
    }
    const auto subs = subcommands(current);
    if (subs.empty()) continue;  // a positional argument
    const auto it = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* s) { return s->check_name(word); });
    if (it != subs.end()) {
      current = *it;
      continue;
    }
    // A command with subcommands and no positional arguments of its own: the word must be one.
    if (!current->get_options([](const CLI::Option* o) { return !o->nonpositional(); }).empty()) continue;
    std::vector<std::string> names;
    for (const CLI::App* s : subs) names.push_back(s->get_name());
    const auto guess = closest(word, names);
    return fmt::format("{} is not a command of '{}' ({})", quote(word), command_path(current),
                       guess ? fmt::format("did you mean '{}'?", *guess)
                             : fmt::format("commands: {}", fmt::join(names, ", ")));
  }
  return std::nullopt;
}

}  // namespace rgflow::cli
