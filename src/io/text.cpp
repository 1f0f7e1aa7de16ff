// Text: .amat (whitespace-separated rows; Larochelle & Murray 2011's binarized MNIST) and .csv
// (comma-separated; an optional non-numeric first line is a header, kept as attribute "header").
// Blank lines are skipped; every data line must have the same number of values.
#include "readers.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>

namespace rgflow::io::detail {

namespace {

class TextParser {
 public:
  TextParser(const std::string& path, bool csv, std::int64_t max_elements)
      : path_(path), csv_(csv), max_elements_(max_elements) {}

  void line(std::string_view text) {
    ++line_number_;
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) return;  // blank
    fields_.clear();
    split(text);
    const bool first = rows_ == 0 && !header_;
    std::size_t start = values_.size();
    for (std::size_t k = 0; k < fields_.size(); ++k) {
      float value = 0;
      if (!parse(fields_[k], value)) {
        // A first line with a non-numeric word holds column names (a header). Empty names are
        // allowed there (pandas writes ",a,b"), but a line of numbers with a gap is not a header.
        const auto word = [](std::string_view f) {
          float unused = 0;
          return !f.empty() && !parse(f, unused);
        };
        if (first && csv_ && std::any_of(fields_.begin(), fields_.end(), word)) {
          values_.resize(start);
          header_ = std::string(text);
          return;
        }
        if (fields_[k].empty()) {
          throw FileError(path_, fmt::format("line {}: field {} is empty", line_number_, k + 1));
        }
        throw FileError(path_, fmt::format("line {}, column {}: {} is not a number", line_number_,
                                           k + 1, quote(fields_[k])));
      }
      if (!std::isfinite(value)) {
        throw FileError(path_, fmt::format("line {}, column {}: value {} is not finite",
                                           line_number_, k + 1, quote(fields_[k])));
      }
      values_.push_back(value);
    }
    const Index n = static_cast<Index>(fields_.size());
    stored_ += fields_.size();
    if (rows_ == 0) {
      cols_ = n;
      first_data_line_ = line_number_;
    } else if (n != cols_) {
      throw FileError(path_, fmt::format("line {} has {} values, but line {} has {} (inconsistent "
                                         "row lengths)",
                                         line_number_, n, first_data_line_, cols_));
    }
    ++rows_;
    if (static_cast<std::uint64_t>(stored_) > static_cast<std::uint64_t>(max_elements_)) {
      throw FileError(path_, fmt::format("more than max_elements = {} values", max_elements_));
    }
    if (values_.size() >= kBlock) {
      full_.push_back(std::move(values_));
      values_ = {};
    }
  }

  RawData finish() {
    if (rows_ == 0) throw FileError(path_, "empty dataset (no data lines)");
    RawData raw;
    // Values are kept in blocks of whole rows and each block is freed once copied, so the peak
    // is the matrix plus one block, not twice the matrix (50k binarized MNIST rows: 157 MB).
    raw.data.resize(rows_, cols_);
    float* out = raw.data.data();
    full_.push_back(std::move(values_));
    for (std::vector<float>& b : full_) {
      out = std::copy(b.begin(), b.end(), out);
      std::vector<float>().swap(b);
    }
    if (header_) raw.attributes["header"] = *header_;
    return raw;
  }

 private:
  void split(std::string_view text) {
    if (csv_) {
      std::size_t start = 0;
      while (true) {
        const std::size_t comma = text.find(',', start);
        std::string_view field =
            text.substr(start, comma == std::string_view::npos ? comma : comma - start);
        const std::size_t b = field.find_first_not_of(" \t");
        const std::size_t e = field.find_last_not_of(" \t");
        fields_.push_back(b == std::string_view::npos ? std::string_view()
                                                      : field.substr(b, e - b + 1));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    } else {
      std::size_t pos = 0;
      while (true) {
        const std::size_t b = text.find_first_not_of(" \t", pos);
        if (b == std::string_view::npos) break;
        std::size_t e = text.find_first_of(" \t", b);
        if (e == std::string_view::npos) e = text.size();
        fields_.push_back(text.substr(b, e - b));
        pos = e;
      }
    }
  }

  static bool parse(std::string_view field, float& value) {
    if (!field.empty() && field.front() == '+') field.remove_prefix(1);  // from_chars rejects '+'
    if (field.empty()) return false;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec == std::errc::result_out_of_range) {
      // Beyond float range: underflow (1e-50) becomes 0 as in NumPy; overflow (1e99) becomes inf,
      // which the caller reports as not finite.
      // strtod saturates to ±HUGE_VAL or gives 0/a denormal; narrow() carries that over.
      value = narrow(std::strtod(std::string(field).c_str(), nullptr));
      return end == field.data() + field.size();
    }
    return ec == std::errc() && end == field.data() + field.size();
  }

  std::string path_;
  bool csv_;
  std::int64_t max_elements_;
  static constexpr std::size_t kBlock = std::size_t{1} << 20;  // values per block (4 MiB)
  std::vector<float> values_;               // the current block
  std::vector<std::vector<float>> full_;    // completed blocks, in order
  std::size_t stored_ = 0;                  // values in all blocks
  std::vector<std::string_view> fields_;
  std::optional<std::string> header_;
  Index rows_ = 0;
  Index cols_ = 0;
  std::size_t line_number_ = 0;
  std::size_t first_data_line_ = 0;
};

}  // namespace

RawData read_text(const std::string& path, bool csv, const LoadOptions& options) {
  GzInput in(path);
  TextParser parser(path, csv, options.max_elements);
  std::string buffer;
  std::vector<char> chunk(std::size_t{1} << 16);
  while (true) {
    const std::size_t got = in.read(chunk.data(), chunk.size());
    if (got == 0) break;
    buffer.append(chunk.data(), got);
    std::size_t start = 0;
    for (std::size_t nl = buffer.find('\n'); nl != std::string::npos;
         nl = buffer.find('\n', start)) {
      parser.line(std::string_view(buffer).substr(start, nl - start));
      start = nl + 1;
    }
    buffer.erase(0, start);
  }
  if (!buffer.empty()) parser.line(buffer);  // last line without a newline
  return parser.finish();
}

}  // namespace rgflow::io::detail
