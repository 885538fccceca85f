//===- HostTensor.cpp - a contiguous tensor in host memory ------*- C++ -*-===//
#include "runtime/HostTensor.h"
#include "runtime/AtomicFile.h"
#include "runtime/GgmlTypes.h"
#include "runtime/Manifest.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>
#include <optional>

using namespace tmc::rt;

static int64_t product(llvm::ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

std::optional<int64_t> tmc::rt::checkedByteSize(DType dtype, llvm::ArrayRef<int64_t> shape) {
  if (llvm::any_of(shape, [](int64_t dim) { return dim < 0; }))
    return std::nullopt;
  // An empty tensor holds no bytes whatever its other dims (a GGUF file may
  // say [2^62, 0]: a fuzzer finding).
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t bytes = dtypeSize(dtype);
  for (int64_t dim : shape)
    if (__builtin_mul_overflow(bytes, dim, &bytes))
      return std::nullopt;
  return bytes;
}

/// A zeroed block for a tensor, or null.
static std::shared_ptr<void> zeroedBlock(std::optional<int64_t> bytes) {
  if (!bytes)
    return nullptr;
  return std::shared_ptr<void>(std::calloc(std::max<int64_t>(*bytes, 1), 1), std::free);
}

static std::string describe(DType dtype, llvm::ArrayRef<int64_t> shape,
                            std::optional<int64_t> bytes) {
  std::string text = (dtypeName(dtype) + " " + shapeToString(shape)).str();
  return bytes ? text + " (" + std::to_string(*bytes) + " bytes)"
               : text + " (more than 2^63 bytes)";
}

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : type(dtype), dims(std::move(shape)) {
  std::optional<int64_t> bytes = checkedByteSize(dtype, dims);
  owner = zeroedBlock(bytes);
  if (!owner) {
    llvm::errs() << "tmc: error: out of memory: cannot allocate a " << describe(dtype, dims, bytes)
                 << " tensor\n";
    std::exit(1);
  }
  pointer = owner.get();
}

llvm::Expected<HostTensor> HostTensor::allocate(DType dtype, std::vector<int64_t> shape,
                                                const llvm::Twine &what) {
  std::optional<int64_t> bytes = checkedByteSize(dtype, shape);
  std::shared_ptr<void> block = zeroedBlock(bytes);
  if (!block)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot allocate " + what + ": " +
                                       describe(dtype, shape, bytes));
  void *data = block.get();
  return HostTensor(dtype, std::move(shape), std::move(block), data);
}

HostTensor HostTensor::adoptMalloced(DType dtype, std::vector<int64_t> shape,
                                     void *allocation, void *data) {
  return HostTensor(dtype, std::move(shape), std::shared_ptr<void>(allocation, std::free),
                    data);
}

HostTensor HostTensor::view(DType dtype, std::vector<int64_t> shape, const void *data) {
  return HostTensor(dtype, std::move(shape), nullptr, const_cast<void *>(data));
}

int64_t HostTensor::numElements() const { return product(dims); }

/// The NumPy descriptor of a dtype ('<f4', ...); bf16 has none.
static const char *npyDescriptor(DType dtype) {
  switch (dtype) {
  case DType::F32: return "<f4";
  case DType::F64: return "<f8";
  case DType::F16: return "<f2";
  case DType::I64: return "<i8";
  case DType::I32: return "<i4";
  case DType::I16: return "<i2";
  case DType::I8: return "|i1";
  case DType::U8: return "|u1";
  case DType::Bool: return "|b1";
  case DType::BF16: return nullptr;
  }
  return nullptr;
}

llvm::Error tmc::rt::writeNpy(llvm::StringRef path, const HostTensor &tensor) {
  const char *descriptor = npyDescriptor(tensor.dtype());
  if (!descriptor)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "%s: NumPy has no %s dtype; cast the output first",
                                   path.str().c_str(), dtypeName(tensor.dtype()).str().c_str());
  std::string shape = "(";
  for (int64_t dim : tensor.shape())
    shape += std::to_string(dim) + ",";
  if (tensor.shape().size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = std::string("{'descr': '") + descriptor +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  return writeFileAtomically(path, [&](llvm::raw_ostream &os) {
    os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
       << char(header.size() >> 8) << header;
    os.write(static_cast<const char *>(tensor.data()), tensor.numBytes());
  });
}

llvm::Expected<HostTensor> tmc::rt::readNpy(llvm::StringRef path) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), (path + ": " + why).str());
  };
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return fail("cannot read: " + buffer.getError().message());
  llvm::StringRef data = (*buffer)->getBuffer();
  if (data.size() < 10 || !data.starts_with("\x93NUMPY"))
    return fail("not a .npy file");
  unsigned major = static_cast<unsigned char>(data[6]);
  size_t headerStart = major == 1 ? 10 : 12;
  if ((major != 1 && major != 2) || data.size() < headerStart)
    return fail("unsupported .npy version " + llvm::Twine(major));
  size_t headerLength = static_cast<unsigned char>(data[8]) |
                        (size_t(static_cast<unsigned char>(data[9])) << 8);
  if (major == 2)
    headerLength |= (size_t(static_cast<unsigned char>(data[10])) << 16) |
                    (size_t(static_cast<unsigned char>(data[11])) << 24);
  if (data.size() < headerStart + headerLength)
    return fail("truncated header");
  llvm::StringRef header = data.substr(headerStart, headerLength);
  auto field = [&](llvm::StringRef key) -> llvm::StringRef {
    size_t at = header.find(("'" + key + "':").str());
    if (at == llvm::StringRef::npos)
      return {};
    return header.substr(at + key.size() + 3).ltrim();
  };
  if (field("fortran_order").starts_with("True"))
    return fail("Fortran-order arrays are not supported; save with np.ascontiguousarray");
  llvm::StringRef descr = field("descr");
  if (descr.size() < 2 || descr[0] != '\'')
    return fail("no dtype in the header");
  descr = descr.drop_front().take_until([](char c) { return c == '\''; });
  std::optional<DType> dtype;
  for (DType d : {DType::F32, DType::F64, DType::F16, DType::I64, DType::I32, DType::I16,
                  DType::I8, DType::U8, DType::Bool})
    if (npyDescriptor(d) == descr)
      dtype = d;
  if (!dtype)
    return fail("dtype '" + descr + "' is not supported (little-endian numbers only)");
  llvm::StringRef shapeText = field("shape");
  if (!shapeText.consume_front("("))
    return fail("no shape in the header");
  shapeText = shapeText.take_until([](char c) { return c == ')'; });
  std::vector<int64_t> shape;
  llvm::SmallVector<llvm::StringRef> dims;
  shapeText.split(dims, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef dim : dims) {
    int64_t n;
    if (dim.trim().getAsInteger(10, n) || n < 0)
      return fail("bad shape entry '" + dim.trim() + "'");
    shape.push_back(n);
  }
  // The shape's size is checked against the file before anything is
  // allocated: a product that wraps around would otherwise pass.
  std::optional<int64_t> bytes = checkedByteSize(*dtype, shape);
  size_t offset = headerStart + headerLength;
  if (!bytes || data.size() - offset != static_cast<uint64_t>(*bytes))
    return fail("holds " + llvm::Twine(data.size() - offset) + " data bytes, its shape " +
                shapeToString(shape) + " needs " +
                (bytes ? llvm::Twine(*bytes) : llvm::Twine("more than 2^63")));
  auto tensor = HostTensor::allocate(*dtype, shape, path);
  if (!tensor)
    return tensor.takeError();
  std::memcpy(tensor->data(), data.data() + offset, *bytes);
  return tensor;
}


HostTensor HostTensor::gather(DType dtype, std::vector<int64_t> shape,
                              llvm::ArrayRef<int64_t> strides, const void *base) {
  HostTensor contiguous(dtype, std::move(shape));
  size_t elementSize = dtypeSize(dtype), rank = contiguous.dims.size();
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0, e = contiguous.numElements(); n < e; ++n) {
    int64_t source = 0;
    for (size_t d = 0; d < rank; ++d)
      source += index[d] * strides[d];
    std::memcpy(contiguous.as<char>() + n * elementSize,
                static_cast<const char *>(base) + source * elementSize, elementSize);
    for (size_t d = rank; d-- > 0;)
      if (++index[d] < contiguous.dims[d])
        break;
      else
        index[d] = 0;
  }
  return contiguous;
}

float tmc::rt::floatAt(const HostTensor &tensor, int64_t i) {
  switch (tensor.dtype()) {
  case DType::BF16: return bf16BitsToFloat(tensor.as<uint16_t>()[i]);
  case DType::F16: return halfBitsToFloat(tensor.as<uint16_t>()[i]);
  default: return tensor.as<float>()[i];
  }
}

HostTensor tmc::rt::widenBF16(const HostTensor &tensor) {
  if (tensor.dtype() != DType::BF16)
    return tensor;
  HostTensor wide(DType::F32, tensor.shape().vec());
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
    wide.as<float>()[i] = floatAt(tensor, i);
  return wide;
}
