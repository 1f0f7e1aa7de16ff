#pragma once
// summary.json, the findings computed from it, and the self-contained report.html.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rgflow::vrg {

// One statement of the report, decided by numbers in summary.json.
struct Finding {
  std::string id;         // e.g. "free_energy_gap"
  bool shows = false;     // true: goes under "what this shows"; false: "what it does not show"
  std::string text;       // one sentence with the numbers
  // The diagnostic failed its positive control (summary["positive_controls"], vrg/controls.hpp):
  // the text says so and the reading is not a finding (shows = false).
  bool broken = false;
  int controls_passed = 0;  // positive controls of this finding's diagnostic that pass
  int controls_failed = 0;  // ... and fail (broken = controls_failed > 0)
};

// Findings from a summary (the structure written by the pipeline; docs/vrg.md). Missing parts
// (e.g. a control that was not run) only drop the findings that need them. A finding whose id is
// the "finding" of a failed positive control is marked broken.
std::vector<Finding> findings(const nlohmann::json& summary);
// The "what this shows / what it does not" paragraph built from findings().
std::string findings_paragraph(const std::vector<Finding>& f);

// One sentence at the top of summary.json ("verdict") and the report: does the critical data's DBN
// behave like an RG of the block-spin kind? Decided by the findings that compare it with an exact or
// block-spin RG (free_energy_flow, correlation_length, magnetization, coupling_flow), leaving out
// broken ones, and states how many positive controls pass.
std::string verdict(const nlohmann::json& summary, const std::vector<Finding>& f);

// What `vrg run` and `demo` print (at most 5 lines): the verdict, the positive controls, the
// findings' count and the key numbers of the critical data. The caller adds where the report is.
std::vector<std::string> terminal_lines(const nlohmann::json& summary);

struct Figure {
  std::string file;       // name under OUTDIR/figures, e.g. "samples.png"
  std::string title;
  std::string caption;
  std::string png;        // the file's bytes (embedded as a data: URI); empty: not made
};

// The HTML page: title, run parameters, paragraph, figures (data: URIs) and tables of every
// number in the summary. Needs no network and no other file.
std::string render_html(const nlohmann::json& summary, const std::vector<Figure>& figures,
                        const std::string& figures_note);

// RFC 4648 base64.
std::string base64(const std::string& bytes);

// The matplotlib script that draws the figures: `python3 plot.py FIGDATA.json OUTDIR/figures`.
const char* plot_script();

}  // namespace rgflow::vrg
