//===- Artifact.cpp - writing an artifact directory -------------*- C++ -*-===//
#include "targets/Artifact.h"
#include "ir/Tmc/DTypes.h"
#include "ir/Tmc/TmcAttrs.h"
#include "runtime/AtomicFile.h"
#include "runtime/Error.h"
#include "runtime/Version.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>

using namespace mlir;
using tmc::rt::makeError;

static llvm::Expected<tmc::rt::TensorSpec> specOf(Attribute attr, llvm::StringRef where) {
  auto spec = dyn_cast<tmc::TensorSpecAttr>(attr);
  if (!spec)
    return makeError(where + ": expected a #tmc.tensor");
  auto dtype = tmc::dtypeOf(spec.getType().getElementType());
  if (!dtype)
    return makeError(where + " '" + spec.getName() + "': " + llvm::toString(dtype.takeError()));
  std::vector<int64_t> shape;
  for (int64_t dim : spec.getType().getShape())
    shape.push_back(ShapedType::isDynamic(dim) ? tmc::rt::kDynamic : dim);
  tmc::rt::TensorSpec result{spec.getName().str(), *dtype, std::move(shape)};
  result.valuesBelow = spec.getValuesBelow();
  result.blockFormat = spec.getBlockFormat().str();
  if (tmc::SplitAttr split = spec.getSplit())
    result.split = tmc::rt::ParamSplit{split.getDim(), split.getBlocks()};
  return result;
}

llvm::Expected<tmc::rt::Manifest> tmc::manifestFromModule(ModuleOp module,
                                                          llvm::StringRef target) {
  TmcDialect *tmc = tmcDialect(module.getContext());
  ArrayAttr params = tmc->getParamsAttrHelper().getAttr(module);
  ArrayAttr entries = tmc->getEntryPointsAttrHelper().getAttr(module);
  if (!params || !entries)
    return makeError("the module has no tmc.entry_points: its pipeline did not run "
                     "tmc-prepare-entry-points");
  rt::Manifest manifest;
  manifest.tmcVersion = TMC_VERSION;
  manifest.target = target.str();
  if (IntegerAttr worldSize = tmc->getWorldSizeAttrHelper().getAttr(module))
    manifest.worldSize = worldSize.getInt();
  if (StringAttr modelClass = tmc->getModelClassAttrHelper().getAttr(module))
    manifest.modelClass = modelClass.str();
  if (StringAttr side = tmc->getPaddingSideAttrHelper().getAttr(module))
    manifest.paddingSide = side.str();
  if (ArrayAttr keys = tmc->getIgnoredCheckpointKeysAttrHelper().getAttr(module))
    for (Attribute key : keys)
      manifest.ignoredCheckpointKeys.push_back(cast<StringAttr>(key).str());
  if (ArrayAttr points = tmc->getTracePointsAttrHelper().getAttr(module))
    for (Attribute point : points) {
      auto dict = cast<DictionaryAttr>(point); // the dialect verified the layout
      manifest.tracePoints.push_back({cast<StringAttr>(dict.get("module")).str(),
                                      cast<BoolAttr>(dict.get("output")).getValue(),
                                      cast<IntegerAttr>(dict.get("index")).getInt()});
    }
  for (Attribute param : params) {
    auto spec = specOf(param, "tmc.params");
    if (!spec)
      return spec.takeError();
    manifest.params.push_back(std::move(*spec));
  }
  for (Attribute attr : entries) {
    auto entryAttr = dyn_cast<EntryPointAttr>(attr);
    if (!entryAttr)
      return makeError("tmc.entry_points: expected a #tmc.entry_point");
    rt::EntryPoint entry;
    entry.name = entryAttr.getName().str();
    entry.symbol = "tmc_entry_" + entry.name;
    entry.maxSeqLen = entryAttr.getMaxSeqLen();
    entry.arenaBytes = entryAttr.getArenaBytes();
    llvm::append_range(entry.inPlace, entryAttr.getInPlace().asArrayRef());
    std::string where = "@" + entry.name;
    for (Attribute input : entryAttr.getInputs()) {
      auto spec = specOf(input, where + " input");
      if (!spec)
        return spec.takeError();
      entry.inputs.push_back(std::move(*spec));
    }
    for (Attribute result : entryAttr.getResults()) {
      auto spec = specOf(result, where + " result");
      if (!spec)
        return spec.takeError();
      entry.results.push_back(std::move(*spec));
    }
    for (Attribute param : entryAttr.getParams()) {
      auto name = dyn_cast<StringAttr>(param);
      if (!name || !manifest.findParam(name.getValue()))
        return makeError(where + ": params must name weights listed in tmc.params");
      entry.params.push_back(name.str());
    }
    manifest.entryPoints.push_back(std::move(entry));
  }
  if (manifest.entryPoints.empty())
    return makeError("the module has no public function to export as an entry point");
  if (DictionaryAttr backends = tmc->getAttentionBackendsAttrHelper().getAttr(module))
    for (NamedAttribute kind : backends)
      manifest.attentionBackends[kind.getName().str()] =
          cast<StringAttr>(kind.getValue()).str();
  return manifest;
}

/// Whether `dir` holds a manifest.json that a tmc wrote (of any version).
static bool isTmcArtifact(llvm::StringRef dir) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, tmc::rt::Manifest::kFileName);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return false;
  auto json = nlohmann::json::parse((*buffer)->getBuffer().begin(), (*buffer)->getBuffer().end(),
                                    nullptr, /*allow_exceptions=*/false);
  auto format = json.is_object() ? json.find("format") : json.end();
  return format != json.end() && format->is_string() &&
         llvm::StringRef(format->get<std::string>()).starts_with("tmc-artifact/");
}

static std::string joinPath(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// The temporary directory an artifact is being written into: an interrupt
/// (Ctrl-C, SIGTERM) removes it before the process ends, as LLVM's
/// RemoveFileOnSignal does for files. The handler reads the path, so it lives
/// in a fixed buffer that is complete before `writingDirectory` says so.
static char directoryBeingWritten[4096];
static std::atomic<bool> writingDirectory{false};

static void removeDirectoryBeingWritten() {
  if (writingDirectory.load())
    llvm::sys::fs::remove_directories(directoryBeingWritten);
  // LLVM restored the previous handlers before calling this: die of the
  // interrupt as the shell expects, or exit if SIGINT was being ignored (a
  // background job).
  std::raise(SIGINT);
  std::_Exit(130);
}

/// Creates a fresh directory `<outputPath>.tmp-XXXXXX` and registers it for
/// removal on an interrupt. The interrupt function is installed before the
/// directory exists and the name is registered before it is created, so no
/// signal can leave the directory behind or end the process with the default
/// action while it exists (InitLLVM's handlers already catch SIGTERM).
static std::error_code createDirectoryRemovedOnInterrupt(llvm::StringRef outputPath,
                                                         llvm::SmallVectorImpl<char> &tempDir) {
  llvm::sys::SetInterruptFunction(removeDirectoryBeingWritten);
  for (int attempt = 0; attempt < 128; ++attempt) {
    llvm::sys::fs::createUniquePath(outputPath + ".tmp-%%%%%%", tempDir, /*MakeAbsolute=*/false);
    if (tempDir.size() >= sizeof(directoryBeingWritten))
      return std::make_error_code(std::errc::filename_too_long);
    std::memcpy(directoryBeingWritten, tempDir.data(), tempDir.size());
    directoryBeingWritten[tempDir.size()] = '\0';
    writingDirectory.store(true);
    std::error_code ec = llvm::sys::fs::create_directory(tempDir, /*IgnoreExisting=*/false);
    if (!ec)
      return ec;
    writingDirectory.store(false);
    if (ec != std::errc::file_exists)
      return ec;
  }
  return std::make_error_code(std::errc::file_exists);
}

llvm::Error tmc::writeArtifact(const Target &target, ModuleOp module, llvm::StringRef graphText,
                               llvm::StringRef outputDir, llvm::StringRef dumpDir) {
  auto manifest = manifestFromModule(module, target.name());
  if (!manifest)
    return manifest.takeError();
  manifest->graph = "graph.mlir";
  target.describe(module, *manifest);

  // Everything goes into a fresh temporary directory beside the output.
  llvm::SmallString<256> outputPath(outputDir);
  llvm::sys::fs::make_absolute(outputPath);
  if (std::error_code ec =
          llvm::sys::fs::create_directories(llvm::sys::path::parent_path(outputPath)))
    return makeError(outputPath + ": cannot create its parent directory: " + ec.message());
  llvm::SmallString<256> tempDir;
  if (std::error_code ec = createDirectoryRemovedOnInterrupt(outputPath, tempDir))
    return makeError(outputPath + ": cannot create a temporary directory: " + ec.message());
  llvm::scope_exit cleanup([&] {
    llvm::sys::fs::remove_directories(tempDir);
    writingDirectory.store(false);
  });

  // The compiled library carries the fingerprint of the manifest's ABI,
  // which the runtime compares with the manifest it loads the library by.
  manifest->recordedFingerprint = manifest->abiFingerprint();
  {
    OpBuilder b(module.getContext());
    b.setInsertionPointToStart(module.getBody());
    std::string text = manifest->recordedFingerprint + '\0';
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
    LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                           LLVM::Linkage::External, rt::Manifest::kFingerprintSymbol,
                           b.getStringAttr(text));
  }
  auto library = target.writeCode(module, tempDir, dumpDir);
  if (!library)
    return library.takeError();
  manifest->library = *library;
  if (llvm::Error error = tmc::rt::writeFileAtomically(joinPath(tempDir, manifest->graph),
                                    [&](llvm::raw_ostream &os) { os << graphText; }))
    return error;
  if (llvm::Error error = tmc::rt::writeFileAtomically(joinPath(tempDir, "final.mlir"),
                                    [&](llvm::raw_ostream &os) { module->print(os); }))
    return error;
  if (llvm::Error error =
          tmc::rt::writeFileAtomically(joinPath(tempDir, rt::Manifest::kFileName),
                    [&](llvm::raw_ostream &os) { os << manifest->toJson().dump(2) << "\n"; }))
    return error;

  // Replace a previous artifact only now that the new one is complete, and
  // only one whose manifest says it is a tmc artifact: the two are exchanged
  // atomically, or where the file system cannot, the old one is moved aside,
  // the new one moved in, and the old one deleted last.
  if (llvm::sys::fs::exists(outputPath)) {
    if (!isTmcArtifact(outputPath))
      return makeError(outputPath + " exists and is not a tmc artifact (no manifest.json with "
                       "\"format\": \"tmc-artifact/...\"); refusing to replace it");
    // After the exchange the old artifact is in the temporary directory,
    // which the cleanup (or an interrupt) removes.
    if (::renameat2(AT_FDCWD, tempDir.c_str(), AT_FDCWD, outputPath.c_str(), RENAME_EXCHANGE) == 0)
      return llvm::Error::success();
    std::string aside = (tempDir + ".old").str(); // unique: tempDir is
    if (std::error_code ec = llvm::sys::fs::rename(outputPath, aside))
      return makeError(outputPath + ": cannot move the old artifact aside: " + ec.message());
    if (std::error_code ec = llvm::sys::fs::rename(tempDir, outputPath)) {
      llvm::sys::fs::rename(aside, outputPath);
      return makeError(outputPath + ": cannot move the artifact into place: " + ec.message());
    }
    llvm::sys::fs::remove_directories(aside);
  } else if (std::error_code ec = llvm::sys::fs::rename(tempDir, outputPath)) {
    return makeError(outputPath + ": cannot move the artifact into place: " + ec.message());
  }
  cleanup.release();
  writingDirectory.store(false);
  return llvm::Error::success();
}
