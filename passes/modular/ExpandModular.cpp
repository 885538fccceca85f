//===- ExpandModular.cpp - modular file -> modeling file --------*- C++ -*-===//
//
// The modular expansion rules of DESIGN.md §3 over an mdl module parsed from
// `modular_<name>.py`:
//   1. `from ..llama.modeling_llama import X` loads and parses
//      `<models-dir>/llama/modeling_llama.py` once, and the import goes away;
//   2. `class MistralMLP(LlamaMLP)` becomes LlamaMLP's whole class, renamed
//      (Renamer.h), with the parent's bases renamed in place of `LlamaMLP`;
//   3. the child's methods replace the parent's (the parent's docstring is
//      kept when the child has none); other child statements replace a class
//      attribute of the same name or follow the parent's body; the child's
//      class docstring and decorators, when it has them, win; a child
//      statement takes the comment lines directly above it along, and one
//      that replaces the parent's takes the parent's spacing;
//   4. a top-level `super().<same method>(...)` (or `return super()...`) in a
//      child method becomes the parent method's body (renamed once, with the
//      class copy); in `__init__`, child assignments after it replace the
//      parent's assignment to the same target in place, and `del self.x`
//      removes the parent's assignment;
//   5. names the result uses and does not define are pulled from the parent
//      files, renamed: classes, functions, constants, imports; a name the
//      modular file imports comes from the file it names, a name a pulled
//      definition uses from that definition's file, others from the first
//      parent file defining them;
//   6. `**super_kwargs` signatures and `field = AttributeError()` removals
//      (Rules.h), and a check that every base class is defined.
// A parent file must be an expanded modeling file: chains C <- B <- A are
// expanded B first (tools/tmc/ModelGraph.h), so B imports no other model.
//
//===----------------------------------------------------------------------===//

#include "frontend/Python.h"
#include "ir/Mdl/MdlOps.h"
#include "passes/modular/Passes.h"
#include "passes/modular/Renamer.h"
#include "passes/modular/Rules.h"
#include "passes/modular/Statements.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <memory>

namespace tmc {
#define GEN_PASS_DEF_EXPANDMODULAR
#include "passes/modular/Passes.h.inc"
} // namespace tmc

using namespace mlir;
using namespace tmc::mdl;
using namespace tmc::modular;

namespace {

//===----------------------------------------------------------------------===//
// Placing child statements
//===----------------------------------------------------------------------===//

/// The comment lines directly above statement `stmt`, with no blank line
/// between them and it.
SmallVector<Operation *> commentsAbove(Operation *stmt) {
  SmallVector<Operation *> comments;
  Operation *below = stmt;
  Operation *prev = firstOpOf(stmt)->getPrevNode();
  while (isa_and_nonnull<CommentOp>(prev) && !below->hasAttr(kBlankLineAttr)) {
    comments.insert(comments.begin(), prev);
    below = prev;
    prev = prev->getPrevNode();
  }
  return comments;
}

void setBlankLine(Operation *op, bool blank) {
  if (blank)
    op->setAttr(kBlankLineAttr, UnitAttr::get(op->getContext()));
  else
    op->removeAttr(kBlankLineAttr);
}

/// Puts the child's statement `stmt`, with the comment lines directly above
/// it, in place of the parent's statement `target`, which is erased. The
/// child's comments, when it has any, replace the parent's; the spacing
/// above is the parent's.
void replaceStatement(Operation *stmt, Operation *target) {
  SmallVector<Operation *> comments = commentsAbove(stmt);
  SmallVector<Operation *> parentComments = commentsAbove(target);
  Operation *parentLead = parentComments.empty() ? target : parentComments.front();
  bool blank = parentLead->hasAttr(kBlankLineAttr);
  Operation *dest = firstOpOf(target);
  for (Operation *comment : comments)
    comment->moveBefore(dest);
  moveStatement(stmt, dest);
  if (comments.empty()) {
    setBlankLine(stmt, target->hasAttr(kBlankLineAttr));
  } else {
    for (Operation *comment : parentComments)
      comment->erase();
    setBlankLine(comments.front(), blank);
  }
  eraseStatement(target);
}

/// Moves the child's statement `stmt`, with the comment lines directly above
/// it, to the end of `block`.
void appendStatement(Operation *stmt, Block *block) {
  for (Operation *comment : commentsAbove(stmt))
    comment->moveBefore(block, block->end());
  moveStatement(stmt, nullptr, block);
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

/// The names a module-level statement binds.
SmallVector<std::string> boundNames(Operation *stmt) {
  SmallVector<std::string> names;
  if (auto cls = dyn_cast<ClassOp>(stmt))
    names.push_back(cls.getSymName().str());
  else if (auto def = dyn_cast<DefOp>(stmt))
    names.push_back(def.getSymName().str());
  else if (auto imp = dyn_cast<ImportOp>(stmt))
    names.push_back(imp.getAlias() ? imp.getAlias()->str()
                                   : imp.getModule().split('.').first.str());
  else if (auto imp = dyn_cast<FromImportOp>(stmt)) {
    for (auto [i, name] : llvm::enumerate(imp.getNames().getAsValueRange<StringAttr>())) {
      StringRef alias;
      if (i < imp.getAliases().size())
        alias = cast<StringAttr>(imp.getAliases()[i]).getValue();
      names.push_back((alias.empty() ? name : alias).str());
    }
  } else if (auto assign = dyn_cast<AssignOp>(stmt)) {
    Operation *target = assign.getTarget().getDefiningOp();
    if (auto name = dyn_cast_or_null<NameOp>(target))
      names.push_back(name.getId().str());
    else if (isa_and_nonnull<TupleOp, ListOp>(target))
      for (Value element : target->getOperands())
        if (auto name = element.getDefiningOp<NameOp>())
          names.push_back(name.getId().str());
  }
  return names;
}

/// The names statement `stmt` (and its expressions, bases, body) reads, in
/// order of appearance.
SmallVector<std::string> usedNames(Operation *stmt) {
  SmallVector<std::string> names;
  llvm::StringSet<> seen;
  auto add = [&](StringRef name) {
    if (seen.insert(name).second)
      names.push_back(name.str());
  };
  auto visit = [&](Operation *op) {
    if (auto name = dyn_cast<NameOp>(op))
      add(name.getId());
    else if (auto cls = dyn_cast<ClassOp>(op))
      for (auto base : cls.getBases().getAsRange<FlatSymbolRefAttr>())
        add(base.getValue().split('.').first);
  };
  for (Operation *expr : expressionOps(stmt))
    expr->walk<WalkOrder::PreOrder>(visit);
  stmt->walk<WalkOrder::PreOrder>(visit);
  return names;
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// A parent model's modeling file.
struct ParentFile {
  std::string path;
  OwningOpRef<ModuleOp> module;
  /// Module-level name -> the statement binding it (first binding wins).
  llvm::StringMap<Operation *> definitions;
  /// Statement -> its index among the module's statements.
  llvm::DenseMap<Operation *, unsigned> order;
  /// How its names are renamed in this module (from the first class that
  /// inherits one of its classes).
  std::optional<Renamer> renamer;

  /// Renamed module-level name -> the statement binding it, once renamers
  /// are known (pullDependencies).
  llvm::StringMap<Operation *> renamedDefinitions;

  std::string rename(StringRef name) const {
    return renamer ? renamer->rename(name) : name.str();
  }
};

/// A name imported from a parent file: `from ..llama.modeling_llama import X`.
struct Imported {
  ParentFile *file;
  std::string name;
};

struct ExpandModular : public tmc::impl::ExpandModularBase<ExpandModular> {
  using ExpandModularBase::ExpandModularBase;
  ExpandModular(const tmc::ExpandModularOptions &options,
                llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs)
      : ExpandModularBase(options), fs(std::move(fs)) {}

  void runOnOperation() override;

private:
  FailureOr<ParentFile *> load(FromImportOp import);
  LogicalResult expandClass(ClassOp cls, const Imported &parent);
  LogicalResult mergeMethod(DefOp child, DefOp parent);
  LogicalResult pullDependencies();
  LogicalResult checkBases();
  void ensureDefined(Operation *stmt, llvm::StringSet<> &defined,
                     const llvm::StringMap<std::pair<ParentFile *, Operation *>> &pullable,
                     ParentFile *from = nullptr);
  Operation *importInsertionPoint(unsigned parentIndex);

  /// Where parent modeling files are read: the disk, or an overlay holding
  /// the files `tmc check-modular` regenerated before this one.
  llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs = llvm::vfs::getRealFileSystem();
  /// Parsed parent files by path, in load order.
  std::vector<std::shared_ptr<ParentFile>> parents;
  llvm::StringMap<ParentFile *> parentsByPath;
  /// The modular file's model imports by the name they bind.
  llvm::StringMap<Imported> imported;
  /// Pulled import statements with their index in the parent file.
  SmallVector<std::pair<Operation *, unsigned>> pulledImports;
};

FailureOr<ParentFile *> ExpandModular::load(FromImportOp import) {
  // "..llama.modeling_llama" -> <models-dir>/llama/modeling_llama.py
  StringRef module = import.getModule();
  StringRef dotted = module.drop_while([](char c) { return c == '.'; });
  SmallVector<StringRef> parts;
  dotted.split(parts, '.');
  if (module.size() - dotted.size() != 2 || parts.size() != 2 ||
      !llvm::all_of(parts, isPythonIdentifier))
    return import.emitError("unknown model import '")
           << module << "': import a model as 'from ..<name>.modeling_<name> import X'";
  llvm::SmallString<256> path(modelsDir);
  llvm::sys::path::append(path, parts[0], parts[1] + ".py");
  std::string key = path.str().str();
  if (ParentFile *loaded = parentsByPath.lookup(key))
    return loaded;

  auto buffer = fs->getBufferForFile(path);
  if (!buffer)
    return import.emitError("unknown model import '")
           << module << "': cannot read " << path << " (" << buffer.getError().message()
           << "); check the model name, or pass --models-dir=<directory holding "
           << parts[0] << "/" << parts[1] << ".py>";
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  OwningOpRef<ModuleOp> parsed = tmc::parsePython(sourceMgr, &getContext());
  if (!parsed)
    return import.emitError("cannot parse ") << path << ", imported here";

  auto file = std::make_shared<ParentFile>();
  file->path = key;
  file->module = std::move(parsed);
  unsigned index = 0;
  for (Operation *stmt : statementsOf(*file->module->getBody())) {
    file->order[stmt] = index++;
    // A chain C <- B <- A reads B's expanded file, which must be
    // self-contained: its classes are already A's, copied and renamed.
    if (auto from = dyn_cast<FromImportOp>(stmt); from && from.getModule().starts_with(".")) {
      StringRef name = parts[0];
      InFlightDiagnostic diag = import.emitError("cannot inherit from ")
                                << path << ": it imports another model ('"
                                << from.getModule() << "'), so it is not an expanded "
                                << "modeling file; expand it first with 'tmc expand " << name
                                << "'";
      diag.attachNote(from.getLoc()) << "the import is here";
      return failure();
    }
    for (const std::string &name : boundNames(stmt))
      file->definitions.try_emplace(name, stmt);
  }
  ParentFile *result = file.get();
  parentsByPath[key] = result;
  parents.push_back(std::move(file));
  return result;
}

LogicalResult ExpandModular::mergeMethod(DefOp child, DefOp parent) {
  StringRef method = child.getSymName();
  Block &body = child.getBody().front();
  SmallVector<Operation *> stmts = statementsOf(body);
  Operation *superStmt = nullptr;
  for (Operation *stmt : stmts)
    if (superStatement(stmt, method)) {
      superStmt = stmt;
      break;
    }
  // Every other super() use is beyond the rules.
  WalkResult walk = child.walk([&](Operation *op) {
    if (!isSuperCall(op))
      return WalkResult::advance();
    Operation *user = *op->getResult(0).user_begin();
    Operation *call = user->hasOneUse() ? *user->getResult(0).user_begin() : nullptr;
    if (superStmt && call && llvm::is_contained(superStmt->getOperands(), call->getResult(0)))
      return WalkResult::advance();
    op->emitError("cannot inline this super() call: only a statement of its own, "
                  "'super().")
        << method << "(...)' or 'return super()." << method
        << "(...)', is replaced by the parent's body; copy the parent's code instead";
    return WalkResult::interrupt();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!superStmt)
    return success();

  // The parent's body in place of the super() statement. `parent` is the
  // method of the class copy, which is renamed already: renaming it again
  // would turn `Gemma2Attention` into `Gemma22Attention` when the new prefix
  // starts with the old one (Gemma2 <- Gemma).
  OpBuilder builder(superStmt);
  IRMapping mapping;
  SmallVector<Operation *> inlined;
  for (Operation &op : parent.getBody().front()) {
    Operation *clone = builder.clone(op, mapping);
    if (clone->hasTrait<Statement>())
      inlined.push_back(clone);
  }
  // The inlined body keeps the blank line before the super() statement.
  if (!inlined.empty()) {
    inlined.front()->removeAttr(kBlankLineAttr);
    if (superStmt->hasAttr(kBlankLineAttr))
      inlined.front()->setAttr(kBlankLineAttr, UnitAttr::get(&getContext()));
  }
  SmallVector<Operation *> following(std::next(llvm::find(stmts, superStmt)), stmts.end());
  eraseStatement(superStmt);
  if (method != "__init__")
    return success();

  // __init__: assignments override in place, `del self.x` removes.
  auto findParentAssign = [&](StringRef key) -> Operation * {
    for (Operation *stmt : inlined)
      if (std::optional<std::string> k = assignKey(stmt); k && *k == key)
        return stmt;
    return nullptr;
  };
  for (Operation *stmt : following) {
    if (std::optional<std::string> key = assignKey(stmt)) {
      if (Operation *target = findParentAssign(*key)) {
        llvm::erase(inlined, target);
        replaceStatement(stmt, target);
      }
      continue;
    }
    auto del = dyn_cast<DelOp>(stmt);
    if (!del)
      continue;
    for (Value target : del.getTargets()) {
      std::optional<std::string> key = targetKey(target);
      Operation *assign = key ? findParentAssign(*key) : nullptr;
      if (!assign)
        return del.emitError("'del ")
               << (key ? *key : std::string("...")) << "' removes nothing: the parent's "
               << "__init__ does not assign it; delete the line";
      llvm::erase(inlined, assign);
      eraseStatement(assign);
    }
    eraseStatement(del);
  }
  return success();
}

LogicalResult ExpandModular::expandClass(ClassOp cls, const Imported &parent) {
  auto parentClass = dyn_cast<ClassOp>(parent.file->definitions.lookup(parent.name));
  if (!parentClass)
    return cls.emitError("unknown parent class '")
           << parent.name << "': " << parent.file->path
           << " defines no class of that name; inherit one of its classes";
  std::optional<Renamer> renamer =
      Renamer::fromClassNames(cls.getSymName(), parentClass.getSymName());
  if (!renamer)
    renamer = parent.file->renamer;

  // The parent's whole class, renamed, in place of the child.
  OpBuilder builder(firstOpOf(cls));
  SmallVector<Operation *> clones = cloneStatement(parentClass, builder);
  for (Operation *clone : clones)
    if (renamer)
      renamer->renameOp(clone);
  auto copy = cast<ClassOp>(clones.back());
  copy.setSymName(cls.getSymName());
  for (StringRef attr : {kBlankLineAttr, kTrailingCommentAttr}) {
    copy->removeAttr(attr);
    if (Attribute value = cls->getAttr(attr))
      copy->setAttr(attr, value);
  }
  SmallVector<Attribute> bases;
  for (auto base : cls.getBases().getAsRange<FlatSymbolRefAttr>()) {
    if (base.getValue() == parent.name)
      llvm::append_range(bases, copy.getBases());
    else
      bases.push_back(base);
  }
  copy.setBasesAttr(ArrayAttr::get(&getContext(), bases));
  if (cls.getDoc())
    copy.setDocAttr(cls.getDocAttr());
  // The child's decorators, when it has any, win over the parent's.
  if (!cls.getDecorators().empty()) {
    SmallVector<Operation *> parentDecorators;
    for (Value decorator : copy.getDecorators())
      parentDecorators.push_back(decorator.getDefiningOp());
    for (Operation *op : expressionOps(cls))
      op->moveBefore(copy);
    copy.getDecoratorsMutable().assign(cls.getDecorators());
    cls.getDecoratorsMutable().clear();
    for (Operation *op : parentDecorators)
      eraseStatement(op); // an expression tree, now unused
  }

  // The child's body over the parent's; fields it removes go last.
  SmallVector<RemovedField> removedFields = takeRemovedFields(cls);
  Block &body = copy.getBody().front();
  SmallVector<Operation *> childStmts = statementsOf(cls.getBody().front());
  bool onlyPass = llvm::all_of(childStmts, [](Operation *op) {
    return isa<PassOp>(op) || !isCodeStatement(*op);
  });
  if (!onlyPass) {
    // Comment lines directly above a statement go wherever it goes.
    llvm::SmallPtrSet<Operation *, 8> attached;
    for (Operation *stmt : childStmts)
      if (!isa<CommentOp>(stmt))
        for (Operation *comment : commentsAbove(stmt))
          attached.insert(comment);
    for (Operation *stmt : childStmts) {
      if (attached.contains(stmt))
        continue;
      if (isa<PassOp>(stmt)) {
        for (Operation *comment : commentsAbove(stmt))
          comment->moveBefore(&body, body.end());
        eraseStatement(stmt);
        continue;
      }
      if (auto def = dyn_cast<DefOp>(stmt)) {
        DefOp parentDef;
        for (Operation *op : statementsOf(body))
          if (auto candidate = dyn_cast<DefOp>(op);
              candidate && candidate.getSymName() == def.getSymName())
            parentDef = candidate;
        if (!parentDef) {
          StringRef called;
          bool usesSuper = false;
          def.walk([&](CallOp call) {
            if (superCall(call.getResult(), &called) && called == def.getSymName())
              usesSuper = true;
          });
          if (usesSuper)
            return def.emitError("cannot inline super().")
                   << def.getSymName() << "(...): the parent class '" << parent.name
                   << "' defines no method '" << def.getSymName() << "'";
          appendStatement(def, &body);
          continue;
        }
        bool superKwargs = hasSuperKwargs(def);
        if (superKwargs && failed(checkSuperKwargsCall(def)))
          return failure();
        if (failed(mergeMethod(def, parentDef)))
          return failure();
        if (superKwargs && failed(mergeSuperKwargs(def, parentDef)))
          return failure();
        if (!def.getDoc() && parentDef.getDoc())
          def.setDocAttr(parentDef.getDocAttr());
        replaceStatement(def, parentDef);
        continue;
      }
      if (std::optional<std::string> key = assignKey(stmt)) {
        Operation *target = nullptr;
        for (Operation *op : statementsOf(body))
          if (assignKey(op) == key)
            target = op;
        if (target) {
          replaceStatement(stmt, target);
          continue;
        }
      }
      appendStatement(stmt, &body);
    }
  }
  eraseStatement(cls);
  return removeFields(copy, removedFields, parent.name);
}

Operation *ExpandModular::importInsertionPoint(unsigned parentIndex) {
  // Before the first pulled import that comes later in the parent file.
  for (auto [op, index] : pulledImports)
    if (index > parentIndex)
      return firstOpOf(op);
  Block *block = getOperation().getBody();
  Operation *lastImport = nullptr, *docstring = nullptr;
  for (Operation *stmt : statementsOf(*block)) {
    if (isa<ImportOp, FromImportOp>(stmt))
      lastImport = stmt;
    else if (auto expr = dyn_cast<ExprStmtOp>(stmt);
             expr && !docstring && !lastImport && expr.getValue().getDefiningOp<StrOp>() &&
             stmt == statementsOf(*block).front())
      docstring = stmt;
  }
  Operation *after = lastImport ? lastImport : docstring;
  if (!after)
    return block->empty() ? nullptr : &block->front();
  return after->getNextNode();
}

void ExpandModular::ensureDefined(
    Operation *stmt, llvm::StringSet<> &defined,
    const llvm::StringMap<std::pair<ParentFile *, Operation *>> &pullable,
    ParentFile *from) {
  for (const std::string &name : usedNames(stmt)) {
    if (defined.contains(name))
      continue;
    // A statement pulled from a parent file uses that file's definitions.
    std::pair<ParentFile *, Operation *> found;
    if (Operation *own = from ? from->renamedDefinitions.lookup(name) : nullptr)
      found = {from, own};
    else if (auto it = pullable.find(name); it != pullable.end())
      found = it->second;
    else
      continue;
    auto [file, source] = found;
    for (const std::string &bound : boundNames(source))
      defined.insert(file->rename(bound));

    bool isImport = isa<ImportOp, FromImportOp>(source);
    unsigned index = file->order.lookup(source);
    Operation *point = isImport ? importInsertionPoint(index) : leadingOpOf(stmt);
    Block *block = getOperation().getBody();
    OpBuilder builder(&getContext());
    if (point)
      builder.setInsertionPoint(point);
    else
      builder.setInsertionPointToEnd(block);
    // The comment lines directly above a pulled definition come along.
    SmallVector<Operation *> comments;
    for (Operation *prev = firstOpOf(source)->getPrevNode(); prev && isa<CommentOp>(prev);
         prev = prev->getPrevNode())
      comments.insert(comments.begin(), prev);
    SmallVector<Operation *> clones;
    for (Operation *comment : comments)
      clones.push_back(builder.clone(*comment));
    llvm::append_range(clones, cloneStatement(source, builder));
    for (Operation *clone : clones)
      if (file->renamer)
        file->renamer->renameOp(clone);
    Operation *pulled = clones.back();
    if (isImport) {
      pulledImports.push_back({pulled, index});
      llvm::sort(pulledImports, [](auto &a, auto &b) { return a.second < b.second; });
    }
    ensureDefined(pulled, defined, pullable, file);
  }
}

LogicalResult ExpandModular::pullDependencies() {
  // Renamed parent name -> its defining statement: a name the modular file
  // imports comes from the file it names, any other from the first parent
  // file defining it.
  llvm::StringMap<std::pair<ParentFile *, Operation *>> pullable;
  for (auto &[name, import] : imported)
    if (Operation *stmt = import.file->definitions.lookup(import.name))
      pullable.try_emplace(import.file->rename(import.name), std::make_pair(import.file, stmt));
  for (auto &entry : parents) {
    ParentFile *file = entry.get();
    for (Operation *stmt : statementsOf(*file->module->getBody()))
      for (const std::string &name : boundNames(stmt))
        if (file->definitions.lookup(name) == stmt) {
          pullable.try_emplace(file->rename(name), std::make_pair(file, stmt));
          file->renamedDefinitions.try_emplace(file->rename(name), stmt);
        }
  }
  llvm::StringSet<> defined;
  Block *block = getOperation().getBody();
  for (Operation *stmt : statementsOf(*block))
    for (const std::string &name : boundNames(stmt))
      defined.insert(name);
  for (Operation *stmt : statementsOf(*block))
    ensureDefined(stmt, defined, pullable);
  return success();
}

LogicalResult ExpandModular::checkBases() {
  // Bases Python provides; every other base must be bound in the expanded
  // module, or the class inherits from a name nothing defines.
  static const llvm::StringSet<> builtins = {"object", "Exception", "ValueError",
                                             "RuntimeError", "dict", "list", "tuple",
                                             "int", "float", "str", "type"};
  Block *block = getOperation().getBody();
  llvm::StringSet<> bound;
  for (Operation *stmt : statementsOf(*block))
    for (const std::string &name : boundNames(stmt))
      bound.insert(name);
  for (Operation *stmt : statementsOf(*block)) {
    auto cls = dyn_cast<ClassOp>(stmt);
    if (!cls)
      continue;
    for (auto base : cls.getBases().getAsRange<FlatSymbolRefAttr>()) {
      StringRef root = base.getValue().split('.').first;
      if (bound.contains(root) || builtins.contains(root))
        continue;
      return cls.emitError("unknown parent class '")
             << base.getValue() << "' of '" << cls.getSymName()
             << "': neither this file nor the models it imports define it; import it, "
                "as in 'from ..<name>.modeling_<name> import "
             << base.getValue() << "'";
    }
  }
  return success();
}

void ExpandModular::runOnOperation() {
  ModuleOp module = getOperation();
  Block *block = module.getBody();
  parents.clear();
  parentsByPath.clear();
  pulledImports.clear();

  // 1. Model imports.
  imported.clear();
  SmallVector<Operation *> modelImports;
  for (Operation *stmt : statementsOf(*block)) {
    auto from = dyn_cast<FromImportOp>(stmt);
    if (!from || !from.getModule().starts_with("."))
      continue;
    FailureOr<ParentFile *> file = load(from);
    if (failed(file))
      return signalPassFailure();
    for (auto [i, name] : llvm::enumerate(from.getNames().getAsValueRange<StringAttr>())) {
      if (!(*file)->definitions.contains(name)) {
        from.emitError("'") << name << "' is not defined in " << (*file)->path
                            << "; import a class, function or constant that file defines";
        return signalPassFailure();
      }
      StringRef alias;
      if (i < from.getAliases().size())
        alias = cast<StringAttr>(from.getAliases()[i]).getValue();
      imported[alias.empty() ? name : alias] = Imported{*file, name.str()};
    }
    modelImports.push_back(from);
  }

  // 2. Classes inheriting a model class: one model parent each.
  SmallVector<std::pair<ClassOp, Imported>> children;
  for (Operation *stmt : statementsOf(*block)) {
    auto cls = dyn_cast<ClassOp>(stmt);
    if (!cls)
      continue;
    SmallVector<StringRef> modelBases;
    for (auto base : cls.getBases().getAsRange<FlatSymbolRefAttr>())
      if (imported.contains(base.getValue()))
        modelBases.push_back(base.getValue());
    if (modelBases.size() > 1) {
      cls.emitError("class '") << cls.getSymName() << "' has two model parents, '"
                               << modelBases[0] << "' and '" << modelBases[1]
                               << "': inherit one and write what it takes from the other "
                                  "in the class body";
      return signalPassFailure();
    }
    if (modelBases.empty())
      continue;
    const Imported &parent = imported.find(modelBases[0])->second;
    if (!parent.file->renamer)
      parent.file->renamer = Renamer::fromClassNames(cls.getSymName(), parent.name);
    children.push_back({cls, parent});
  }

  // The modular file's own references to imported names use the new names.
  module.walk([&](NameOp name) {
    auto it = imported.find(name.getId());
    if (it != imported.end() && it->second.file->renamer)
      name.setId(it->second.file->renamer->rename(it->second.name));
  });

  for (auto &[cls, parent] : children)
    if (failed(expandClass(cls, parent)))
      return signalPassFailure();
  for (Operation *import : modelImports)
    eraseStatement(import);

  // 3. Dependencies.
  if (failed(pullDependencies()) || failed(checkBases()))
    return signalPassFailure();
  pulledImports.clear();
  imported.clear();
  parentsByPath.clear();
  parents.clear();
}

} // namespace

std::unique_ptr<Pass>
tmc::createExpandModular(const ExpandModularOptions &options,
                         llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> fs) {
  return std::make_unique<ExpandModular>(options, std::move(fs));
}
