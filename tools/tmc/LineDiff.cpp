//===- LineDiff.cpp - unified diff of two texts -----------------*- C++ -*-===//

#include "tools/tmc/LineDiff.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <vector>

using llvm::StringRef;

namespace tmc::driver {

namespace {

/// Lines with their newline, so that a missing final newline is a change.
std::vector<StringRef> splitLines(StringRef text) {
  std::vector<StringRef> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    end = end == StringRef::npos ? text.size() : end + 1;
    lines.push_back(text.take_front(end));
    text = text.drop_front(end);
  }
  return lines;
}

enum class Edit { Keep, Remove, Add };

/// The shortest edit script from `a` to `b` (Myers 1986), one entry per line
/// of the result. Beyond `kMaxEdits` edits the trace would grow
/// quadratically: the files are then shown as wholly replaced.
std::vector<Edit> editScript(llvm::ArrayRef<StringRef> a, llvm::ArrayRef<StringRef> b) {
  constexpr int kMaxEdits = 4000;
  const int n = a.size(), m = b.size();
  std::vector<Edit> script;
  // Common prefix and suffix first: most regenerated files differ little.
  int prefix = 0;
  while (prefix < n && prefix < m && a[prefix] == b[prefix])
    ++prefix;
  int suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && a[n - 1 - suffix] == b[m - 1 - suffix])
    ++suffix;
  const int an = n - prefix - suffix, bm = m - prefix - suffix;
  auto A = [&](int i) { return a[prefix + i]; };
  auto B = [&](int j) { return b[prefix + j]; };

  std::vector<Edit> middle;
  const int max = std::min(an + bm, kMaxEdits);
  // trace[d] holds the furthest x on each diagonal k (offset by d) after d edits.
  std::vector<std::vector<int>> trace;
  std::vector<int> v(2 * max + 3, 0);
  const int offset = max + 1;
  bool found = an == 0 && bm == 0;
  for (int d = 0; d <= max && !found; ++d) {
    for (int k = -d; k <= d; k += 2) {
      int x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
                  ? v[offset + k + 1]
                  : v[offset + k - 1] + 1;
      int y = x - k;
      while (x < an && y < bm && A(x) == B(y))
        ++x, ++y;
      v[offset + k] = x;
      if (x >= an && y >= bm)
        found = true;
    }
    trace.emplace_back(v.begin() + offset - d, v.begin() + offset + d + 1);
  }
  if (!found) {
    middle.assign(an, Edit::Remove);
    middle.insert(middle.end(), bm, Edit::Add);
  } else if (an || bm) {
    // Walk back from (an, bm) through the trace.
    int x = an, y = bm;
    for (int d = trace.size() - 1; d >= 0; --d) {
      int k = x - y;
      auto at = [&](int dd, int kk) { return trace[dd][kk + dd]; };
      int prevK = 0;
      if (d > 0)
        prevK = (k == -d || (k != d && at(d - 1, k - 1) < at(d - 1, k + 1))) ? k + 1 : k - 1;
      int prevX = d > 0 ? at(d - 1, prevK) : 0;
      int prevY = prevX - prevK;
      while (x > prevX && y > prevY) {
        middle.push_back(Edit::Keep);
        --x, --y;
      }
      if (d > 0) {
        middle.push_back(x == prevX ? Edit::Add : Edit::Remove);
        x = prevX;
        y = prevY;
      }
    }
    std::reverse(middle.begin(), middle.end());
  }
  script.assign(prefix, Edit::Keep);
  script.insert(script.end(), middle.begin(), middle.end());
  script.insert(script.end(), suffix, Edit::Keep);
  return script;
}

/// "@@ -l,s" style range: GNU diff writes the start alone for one line and
/// the line before the range for an empty one.
std::string range(int start, int count) {
  if (count == 1)
    return std::to_string(start + 1);
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

void printLine(llvm::raw_ostream &os, char mark, StringRef line) {
  os << mark << line;
  if (!line.ends_with("\n"))
    os << "\n\\ No newline at end of file\n";
}

} // namespace

std::string unifiedDiff(StringRef before, StringRef after, StringRef beforeLabel,
                        StringRef afterLabel, unsigned context) {
  std::vector<StringRef> a = splitLines(before), b = splitLines(after);
  std::vector<Edit> script = editScript(a, b);
  // Position of each script entry in both files.
  std::vector<int> posA(script.size() + 1), posB(script.size() + 1);
  for (size_t i = 0; i < script.size(); ++i) {
    posA[i + 1] = posA[i] + (script[i] != Edit::Add);
    posB[i + 1] = posB[i] + (script[i] != Edit::Remove);
  }
  std::string out;
  llvm::raw_string_ostream os(out);
  const int size = script.size(), ctx = context;
  int i = 0;
  while (i < size) {
    if (script[i] == Edit::Keep) {
      ++i;
      continue;
    }
    // A hunk: from `ctx` lines before this change to `ctx` lines after the
    // last change that is at most 2 * ctx unchanged lines further.
    int start = std::max(0, i - ctx), end = i;
    while (end < size) {
      int next = end;
      while (next < size && script[next] == Edit::Keep)
        ++next;
      if (next == size || next - end > 2 * ctx) {
        end = std::min(size, end + ctx);
        break;
      }
      end = next;
      while (end < size && script[end] != Edit::Keep)
        ++end;
    }
    if (out.empty())
      os << "--- " << beforeLabel << "\n+++ " << afterLabel << "\n";
    os << "@@ -" << range(posA[start], posA[end] - posA[start]) << " +"
       << range(posB[start], posB[end] - posB[start]) << " @@\n";
    for (int j = start; j < end; ++j) {
      if (script[j] == Edit::Keep)
        printLine(os, ' ', a[posA[j]]);
      else if (script[j] == Edit::Remove)
        printLine(os, '-', a[posA[j]]);
      else
        printLine(os, '+', b[posB[j]]);
    }
    i = end;
  }
  return out;
}

unsigned countLines(StringRef text) { return splitLines(text).size(); }

unsigned commonLines(llvm::ArrayRef<StringRef> a, llvm::ArrayRef<StringRef> b) {
  return llvm::count(editScript(a, b), Edit::Keep);
}

} // namespace tmc::driver
