//===- Safetensors.cpp - safetensors reader and writer ----------*- C++ -*-===//
//
// The header is checked entry by entry before any TensorInfo is handed out:
// a corrupt or truncated download must end in an error naming the file and
// tensor, never in a read past the mapping. Sizes are computed in uint64_t
// with overflow checks because every number in the header is untrusted.
//
//===----------------------------------------------------------------------===//

#include "runtime/Safetensors.h"
#include "runtime/AtomicFile.h"
#include "runtime/Error.h"
#include "runtime/GgmlTypes.h"
#include "runtime/GgufCheckpoint.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <limits>
#include <optional>
#include <set>

using namespace tmc::rt;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;
using json = nlohmann::json;

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

static constexpr DType kAllDTypes[] = {
    DType::F32, DType::F16, DType::BF16, DType::F64, DType::I64,
    DType::I32, DType::I16, DType::I8,   DType::U8,  DType::Bool};

StringRef tmc::rt::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::F64:
    return "F64";
  case DType::I64:
    return "I64";
  case DType::I32:
    return "I32";
  case DType::I16:
    return "I16";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  case DType::Bool:
    return "BOOL";
  }
  llvm_unreachable("unknown DType");
}

size_t tmc::rt::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
    return 2;
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return 1;
  }
  llvm_unreachable("unknown DType");
}

Expected<DType> tmc::rt::dtypeFromName(StringRef name) {
  for (DType dtype : kAllDTypes)
    if (dtypeName(dtype) == name)
      return dtype;
  std::string supported;
  for (DType dtype : kAllDTypes)
    supported += (supported.empty() ? "" : ", ") + dtypeName(dtype).str();
  return makeError("unknown dtype '" + name + "' (supported: " + supported +
                   ")");
}

int64_t TensorInfo::numElements() const {
  // Validated when the file was opened: no dimension is negative and, unless
  // one is zero, the product fits since the bytes are in the file.
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  return count;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static std::string formatList(llvm::ArrayRef<int64_t> values) {
  std::string text = "[";
  llvm::raw_string_ostream os(text);
  llvm::interleave(values, os, ", ");
  return text + "]";
}

/// A JSON value for an error message, cut short so a huge header stays
/// readable.
static std::string show(const json &value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60)
    text = text.substr(0, 57) + "...";
  return text;
}

/// Bytes of a `shape` tensor of `dtype`, or nullopt on uint64_t overflow.
static std::optional<uint64_t> byteSize(llvm::ArrayRef<int64_t> shape,
                                        DType dtype) {
  // A zero dimension makes the tensor empty however large the others are.
  if (llvm::is_contained(shape, 0))
    return 0;
  uint64_t bytes = dtypeSize(dtype);
  bool overflowed = false;
  for (int64_t dim : shape) {
    bool step = false;
    bytes = llvm::SaturatingMultiply(bytes, static_cast<uint64_t>(dim), &step);
    overflowed |= step;
  }
  return overflowed ? std::nullopt : std::optional<uint64_t>(bytes);
}

/// Parses `text`; `what` and `source` describe it in errors.
static Expected<json> parseJson(StringRef text, const Twine &source,
                                StringRef what) {
  // A key given twice is an error, as in the reference implementation
  // (nlohmann's parser would keep the last one silently).
  std::vector<std::set<std::string>> keysOfOpenObjects;
  std::string duplicate;
  json::parser_callback_t noDuplicates = [&](int, json::parse_event_t event,
                                             json &parsed) {
    if (event == json::parse_event_t::object_start)
      keysOfOpenObjects.emplace_back();
    else if (event == json::parse_event_t::object_end)
      keysOfOpenObjects.pop_back();
    else if (event == json::parse_event_t::key && duplicate.empty() &&
             !keysOfOpenObjects.back().insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  json value;
  try {
    value = json::parse(text.begin(), text.end(), noDuplicates);
  } catch (const json::exception &error) {
    return makeError(source + ": " + what +
                     " is not valid JSON: " + error.what());
  }
  if (!duplicate.empty())
    return makeError(source + ": " + what + " gives the key '" + duplicate +
                     "' twice");
  if (!value.is_object())
    return makeError(source + ": " + what + " must be a JSON object, got " +
                     value.type_name());
  return value;
}

//===----------------------------------------------------------------------===//
// SafetensorsFile
//===----------------------------------------------------------------------===//

SafetensorsFile::~SafetensorsFile() = default;

const TensorInfo *SafetensorsFile::lookup(StringRef name) const {
  auto it = llvm::partition_point(infos, [&](const TensorInfo &info) {
    return StringRef(info.name) < name;
  });
  return it != infos.end() && it->name == name ? &*it : nullptr;
}

/// Checks one header entry against a data section of `dataSize` bytes and
/// returns it without `data`; `begin` gets its offset in the section.
static Expected<TensorInfo> parseEntry(StringRef path, const std::string &name,
                                       const json &entry, uint64_t dataSize,
                                       uint64_t &begin) {
  auto fail = [&](const Twine &what) {
    return makeError(path + ": tensor '" + name + "': " + what);
  };
  if (!entry.is_object())
    return fail("entry must be a JSON object, got " + show(entry));
  for (const char *field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field))
      return fail(Twine("missing '") + field + "'");

  TensorInfo info;
  info.name = name;
  info.file = path.str();

  const json &dtype = entry["dtype"];
  if (!dtype.is_string())
    return fail("'dtype' must be a string, got " + show(dtype));
  Expected<DType> parsed = dtypeFromName(dtype.get<std::string>());
  if (!parsed)
    return fail(llvm::toString(parsed.takeError()));
  info.dtype = *parsed;

  const json &shape = entry["shape"];
  if (!shape.is_array())
    return fail("'shape' must be a list of integers, got " + show(shape));
  for (const json &dim : shape) {
    if (dim.is_number_integer() && !dim.is_number_unsigned())
      return fail("shape " + show(shape) + " has a negative dimension");
    if (!dim.is_number_unsigned() ||
        dim.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
      return fail("shape " + show(shape) +
                  " must be a list of non-negative integers");
    info.shape.push_back(static_cast<int64_t>(dim.get<uint64_t>()));
  }

  const json &offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 ||
      !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned() ||
      offsets[0].get<uint64_t>() > offsets[1].get<uint64_t>())
    return fail("data_offsets must be two ascending non-negative integers "
                "[begin, end], got " +
                show(offsets));
  begin = offsets[0].get<uint64_t>();
  uint64_t end = offsets[1].get<uint64_t>();
  std::string range =
      "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
  if (end > dataSize)
    return fail("data_offsets " + range + " end past the data section (" +
                Twine(dataSize) + " bytes); the file is truncated or corrupt");

  std::optional<uint64_t> expected = byteSize(info.shape, info.dtype);
  if (!expected)
    return fail("shape " + formatList(info.shape) + " of " +
                dtypeName(info.dtype) + " is too large to address");
  if (*expected != end - begin)
    return fail("data_offsets " + range + " hold " + Twine(end - begin) +
                " bytes but shape " + formatList(info.shape) + " of " +
                dtypeName(info.dtype) + " needs " + Twine(*expected) +
                " bytes");
  info.numBytes = end - begin;
  return info;
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(StringRef path) {
  // Not null-terminated and not volatile, so large files are mmapped.
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false,
                                            /*IsVolatile=*/false);
  if (!buffer)
    return makeError(path + ": cannot open: " + buffer.getError().message());
  StringRef bytes = (*buffer)->getBuffer();

  if (bytes.size() < 8)
    return makeError(path + ": file is " + Twine(bytes.size()) +
                     " bytes, too short for the 8-byte header length; the "
                     "file is truncated or not a safetensors file");
  uint64_t headerSize = llvm::support::endian::read64le(
      reinterpret_cast<const uint8_t *>(bytes.data()));
  // The reference implementation's bound (safetensors' MAX_HEADER_SIZE).
  constexpr uint64_t kMaxHeaderSize = 100'000'000;
  if (headerSize > kMaxHeaderSize)
    return makeError(path + ": header length " + Twine(headerSize) +
                     " is more than the 100 MB safetensors allows; the file "
                     "is corrupt or not a safetensors file");
  if (headerSize > bytes.size() - 8)
    return makeError(path + ": header length " + Twine(headerSize) +
                     " runs past the end of the file (" + Twine(bytes.size()) +
                     " bytes); the file is truncated or not a safetensors "
                     "file");
  Expected<json> header =
      parseJson(bytes.substr(8, headerSize), path, "header");
  if (!header)
    return header.takeError();

  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->filePath = path.str();
  StringRef data = bytes.substr(8 + headerSize);

  // Offsets of each tensor, to find overlaps once all are read.
  std::vector<std::pair<uint64_t, size_t>> starts;
  for (const auto &[name, entry] : header->items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        return makeError(path + ": '__metadata__' must be an object of " +
                         "strings, got " + show(entry));
      for (const auto &[key, value] : entry.items()) {
        if (!value.is_string())
          return makeError(path + ": '__metadata__' entry '" + key +
                           "' must be a string, got " + show(value));
        file->meta[key] = value.get<std::string>();
      }
      continue;
    }
    uint64_t begin = 0;
    Expected<TensorInfo> info =
        parseEntry(path, name, entry, data.size(), begin);
    if (!info)
      return info.takeError();
    info->data = data.data() + begin;
    starts.push_back({begin, file->infos.size()});
    file->infos.push_back(std::move(*info));
  }

  // As the reference implementation requires, the tensors tile the data
  // section: in offset order each starts where the previous one ended
  // (empty ones too), and the last ends at the end of the file.
  llvm::sort(starts, [&](auto a, auto b) {
    return std::make_pair(a.first, file->infos[a.second].numBytes) <
           std::make_pair(b.first, file->infos[b.second].numBytes);
  });
  const TensorInfo *previous = nullptr;
  uint64_t cursor = 0;
  for (auto [begin, index] : starts) {
    const TensorInfo &info = file->infos[index];
    std::string range = "[" + std::to_string(begin) + ", " +
                        std::to_string(begin + info.numBytes) + "]";
    if (begin < cursor)
      return makeError(path + ": tensor '" + info.name + "': data_offsets " +
                       range + " overlap tensor '" + previous->name +
                       "' at [" + Twine(cursor - previous->numBytes) + ", " +
                       Twine(cursor) + "]");
    if (begin > cursor)
      return makeError(path + ": tensor '" + info.name + "': data_offsets " +
                       range + " leave bytes [" + Twine(cursor) + ", " +
                       Twine(begin) + ") of the data section to no tensor; "
                       "safetensors files have no gaps");
    previous = &info;
    cursor = begin + info.numBytes;
  }
  if (cursor != data.size())
    return makeError(path + ": the data section has " + Twine(data.size()) +
                     " bytes but its tensors end at " + Twine(cursor) +
                     "; the file has bytes no tensor covers");

  // JSON objects iterate in key order, so infos are already sorted by name.
  file->buffer = std::move(*buffer);
  return file;
}

//===----------------------------------------------------------------------===//
// Checkpoint
//===----------------------------------------------------------------------===//

const TensorInfo *Checkpoint::lookup(StringRef name) const {
  auto it = llvm::partition_point(infos, [&](const TensorInfo &info) {
    return StringRef(info.name) < name;
  });
  return it != infos.end() && it->name == name ? &*it : nullptr;
}

/// Opens the shards of a Hugging Face index file and checks that each tensor
/// of its weight_map is in the shard it is listed under.
static Error openIndex(StringRef indexPath,
                       std::vector<std::unique_ptr<SafetensorsFile>> &shards,
                       std::vector<TensorInfo> &infos,
                       std::map<std::string, std::string> &meta) {
  auto buffer = llvm::MemoryBuffer::getFile(indexPath, /*IsText=*/true);
  if (!buffer)
    return makeError(indexPath +
                     ": cannot open: " + buffer.getError().message());
  Expected<json> index = parseJson((*buffer)->getBuffer(), indexPath, "index");
  if (!index)
    return index.takeError();

  if (index->contains("metadata")) {
    const json &metadata = (*index)["metadata"];
    if (!metadata.is_object())
      return makeError(indexPath + ": 'metadata' must be an object, got " +
                       show(metadata));
    for (const auto &[key, value] : metadata.items())
      meta[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }

  if (!index->contains("weight_map"))
    return makeError(indexPath + ": missing 'weight_map' (the map from tensor "
                                 "name to shard file)");
  const json &weightMap = (*index)["weight_map"];
  if (!weightMap.is_object())
    return makeError(indexPath + ": 'weight_map' must be an object, got " +
                     show(weightMap));

  // Shard names are relative to the index's directory.
  StringRef dir = llvm::sys::path::parent_path(indexPath);
  std::map<std::string, const SafetensorsFile *> opened;
  for (const auto &[name, shardJson] : weightMap.items()) {
    if (!shardJson.is_string())
      return makeError(indexPath + ": weight_map entry '" + name +
                       "' must be a shard file name, got " + show(shardJson));
    std::string shardName = shardJson.get<std::string>();
    // A shard is a file beside the index, as transformers writes them: a
    // name that climbs out of the checkpoint (`../x.safetensors`) or is
    // absolute would read files the checkpoint does not own.
    if (shardName.empty() || llvm::sys::path::is_absolute(shardName) ||
        llvm::is_contained(llvm::make_range(llvm::sys::path::begin(shardName),
                                            llvm::sys::path::end(shardName)),
                           ".."))
      return makeError(indexPath + ": weight_map entry '" + name +
                       "' names shard '" + shardName +
                       "', which is not a file inside the checkpoint "
                       "directory");
    auto [it, isNew] = opened.try_emplace(shardName, nullptr);
    if (isNew) {
      llvm::SmallString<256> shardPath(dir);
      llvm::sys::path::append(shardPath, shardName);
      if (!llvm::sys::fs::exists(shardPath))
        return makeError(indexPath + ": shard '" + shardName +
                         "' (needed for tensor '" + name +
                         "') is missing: no file " + shardPath);
      auto shard = SafetensorsFile::open(shardPath);
      if (!shard)
        return shard.takeError();
      it->second = shard->get();
      shards.push_back(std::move(*shard));
    }
    const TensorInfo *info = it->second->lookup(name);
    if (!info)
      return makeError(indexPath + ": tensor '" + name +
                       "' is listed in weight_map under shard '" + shardName +
                       "', but that shard does not contain it");
    infos.push_back(*info);
  }
  // weight_map iterates in key order, so infos are sorted by name.
  return Error::success();
}

Expected<Checkpoint> Checkpoint::open(StringRef path) {
  if (path.ends_with(".gguf"))
    return openGgufCheckpoint(path);
  Checkpoint checkpoint;
  llvm::SmallString<256> file(path);
  bool isIndex = path.ends_with(".json");

  // "Permission denied" must not read as "no such file".
  auto present = [](StringRef candidate) -> Expected<bool> {
    llvm::sys::fs::file_status status;
    std::error_code ec = llvm::sys::fs::status(candidate, status);
    if (ec == std::errc::no_such_file_or_directory)
      return false;
    if (ec)
      return makeError(candidate + ": cannot read: " + ec.message());
    return true;
  };
  if (llvm::sys::fs::is_directory(path)) {
    llvm::SmallString<256> single(path), index(path);
    llvm::sys::path::append(single, "model.safetensors");
    llvm::sys::path::append(index, "model.safetensors.index.json");
    Expected<bool> hasSingle = present(single);
    if (!hasSingle)
      return hasSingle.takeError();
    Expected<bool> hasIndex = *hasSingle ? true : present(index);
    if (!hasIndex)
      return hasIndex.takeError();
    if (*hasSingle) {
      file = single;
    } else if (*hasIndex) {
      file = index;
      isIndex = true;
    } else {
      return makeError(path + ": no checkpoint in this directory: expected "
                              "model.safetensors or "
                              "model.safetensors.index.json");
    }
  } else if (Expected<bool> exists = present(path); !exists) {
    return exists.takeError();
  } else if (!*exists) {
    return makeError(path + ": no such file or directory");
  }

  if (isIndex) {
    if (Error error = openIndex(file, checkpoint.shards, checkpoint.infos,
                                checkpoint.meta))
      return error;
    return checkpoint;
  }
  auto single = SafetensorsFile::open(file);
  if (!single)
    return single.takeError();
  checkpoint.infos = (*single)->tensors();
  checkpoint.meta = (*single)->metadata();
  checkpoint.shards.push_back(std::move(*single));
  return checkpoint;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

Error tmc::rt::writeSafetensors(
    StringRef path, llvm::ArrayRef<TensorToWrite> tensors,
    const std::map<std::string, std::string> &metadata) {
  // Validate everything first so that a bad call leaves no file behind.
  std::vector<const TensorToWrite *> sorted;
  for (const TensorToWrite &tensor : tensors)
    sorted.push_back(&tensor);
  llvm::sort(sorted, [](const TensorToWrite *a, const TensorToWrite *b) {
    return a->name < b->name;
  });

  json header = json::object();
  uint64_t offset = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const TensorToWrite &tensor = *sorted[i];
    auto fail = [&](const Twine &what) {
      return makeError(path + ": cannot write tensor '" + tensor.name +
                       "': " + what);
    };
    if (tensor.name.empty() || tensor.name == "__metadata__")
      return fail("this name is reserved or empty");
    if (i > 0 && sorted[i - 1]->name == tensor.name)
      return fail("the name is given twice");
    if (llvm::any_of(tensor.shape, [](int64_t dim) { return dim < 0; }))
      return fail("shape " + formatList(tensor.shape) +
                  " has a negative dimension");
    std::optional<uint64_t> bytes = byteSize(tensor.shape, tensor.dtype);
    if (!bytes || *bytes != tensor.bytes.size())
      return fail("shape " + formatList(tensor.shape) + " of " +
                  dtypeName(tensor.dtype) + " does not match the " +
                  Twine(tensor.bytes.size()) + " bytes given");
    header[tensor.name] = {{"dtype", dtypeName(tensor.dtype).str()},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + *bytes}}};
    offset += *bytes;
  }
  if (!metadata.empty())
    header["__metadata__"] = metadata;

  std::string headerText;
  try {
    headerText = header.dump(); // Keys come out sorted: json uses a std::map.
  } catch (const json::exception &error) {
    return makeError(path +
                     ": cannot write: a tensor name or metadata string "
                     "is not valid UTF-8 (" +
                     Twine(error.what()) + ")");
  }
  // Padding with spaces keeps the data section 8-byte aligned.
  headerText.append((8 - headerText.size() % 8) % 8, ' ');

  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    char length[8];
    llvm::support::endian::write64le(length, headerText.size());
    os.write(length, sizeof(length));
    os << headerText;
    for (const TensorToWrite *tensor : sorted)
      os.write(reinterpret_cast<const char *>(tensor->bytes.data()),
               tensor->bytes.size());
  });
}

//===----------------------------------------------------------------------===//
// Conversion
//===----------------------------------------------------------------------===//

void tmc::rt::writeFromFloat32(const float *values, int64_t count, DType dtype, void *out) {
  if (dtype == DType::F32) {
    std::memcpy(out, values, count * sizeof(float));
    return;
  }
  auto *bits = static_cast<uint16_t *>(out);
  for (int64_t i = 0; i < count; ++i)
    bits[i] = dtype == DType::BF16 ? floatToBF16Bits(values[i]) : floatToHalfBits(values[i]);
}

Expected<std::vector<float>> tmc::rt::readAsFloat32(const TensorInfo &tensor) {
  const auto *bytes = static_cast<const uint8_t *>(tensor.data);
  size_t count = tensor.numBytes / dtypeSize(tensor.dtype);
  std::vector<float> values(count);
  using namespace llvm::support::endian;
  switch (tensor.dtype) {
  case DType::F32:
    for (size_t i = 0; i < count; ++i) {
      uint32_t bits = read32le(bytes + 4 * i);
      std::memcpy(&values[i], &bits, sizeof(float));
    }
    return values;
  case DType::BF16:
    for (size_t i = 0; i < count; ++i)
      values[i] = bf16BitsToFloat(read16le(bytes + 2 * i));
    return values;
  case DType::F16:
    for (size_t i = 0; i < count; ++i)
      values[i] = halfBitsToFloat(read16le(bytes + 2 * i));
    return values;
  default:
    return makeError(tensor.file + ": tensor '" + tensor.name + "' is " +
                     dtypeName(tensor.dtype) +
                     "; only F32, F16 and BF16 convert to float");
  }
}
