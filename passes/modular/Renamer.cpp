//===- Renamer.cpp - Llama -> Glm renaming of modular expansion -*- C++ -*-===//

#include "passes/modular/Renamer.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace tmc::modular;

Renamer::Renamer(llvm::StringRef from, llvm::StringRef to)
    : fromName(from.str()), toName(to.str()), fromLower(from.lower()),
      toLower(to.lower()), fromUpper(from.upper()), toUpper(to.upper()) {}

std::optional<Renamer> Renamer::fromClassNames(llvm::StringRef child,
                                               llvm::StringRef parent) {
  size_t shared = 0;
  while (shared < child.size() && shared < parent.size() &&
         child[child.size() - 1 - shared] == parent[parent.size() - 1 - shared])
    ++shared;
  llvm::StringRef suffix = child.take_back(shared);
  // The shared suffix is a whole word: it starts at an uppercase letter.
  while (!suffix.empty() && !llvm::isUpper(suffix.front()))
    suffix = suffix.drop_front();
  llvm::StringRef childPrefix = child.drop_back(suffix.size());
  llvm::StringRef parentPrefix = parent.drop_back(suffix.size());
  if (childPrefix.empty() || parentPrefix.empty())
    return std::nullopt;
  return Renamer(parentPrefix, childPrefix);
}

std::string Renamer::rename(llvm::StringRef text) const {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool boundary = i == 0 || !(llvm::isLower(text[i - 1]) || llvm::isDigit(text[i - 1]));
    if (boundary && !fromName.empty()) {
      llvm::StringRef rest = text.substr(i);
      const std::pair<const std::string *, const std::string *> variants[] = {
          {&fromName, &toName}, {&fromLower, &toLower}, {&fromUpper, &toUpper}};
      bool matched = false;
      for (auto [from, to] : variants) {
        if (rest.starts_with(*from)) {
          out += *to;
          i += from->size();
          matched = true;
          break;
        }
      }
      if (matched)
        continue;
    }
    out += text[i++];
  }
  return out;
}

static Attribute renameAttribute(Attribute attr, const Renamer &renamer) {
  MLIRContext *context = attr.getContext();
  if (auto symbol = dyn_cast<FlatSymbolRefAttr>(attr))
    return FlatSymbolRefAttr::get(context, renamer.rename(symbol.getValue()));
  if (auto str = dyn_cast<StringAttr>(attr))
    return StringAttr::get(context, renamer.rename(str.getValue()));
  if (auto array = dyn_cast<ArrayAttr>(attr)) {
    SmallVector<Attribute> elements;
    for (Attribute element : array)
      elements.push_back(renameAttribute(element, renamer));
    return ArrayAttr::get(context, elements);
  }
  return attr;
}

void Renamer::renameOp(Operation *op) const {
  op->walk([&](Operation *nested) {
    for (NamedAttribute named : nested->getAttrs()) {
      Attribute renamed = renameAttribute(named.getValue(), *this);
      if (renamed != named.getValue())
        nested->setAttr(named.getName(), renamed);
    }
  });
}
