//===- HostTensor.cpp - a contiguous tensor in host memory ------*- C++ -*-===//
#include "runtime/HostTensor.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>

using namespace tmc::rt;

static int64_t product(llvm::ArrayRef<int64_t> shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : type(dtype), dims(std::move(shape)) {
  size_t bytes = std::max<size_t>(numElements() * dtypeSize(dtype), 1);
  owner = std::shared_ptr<void>(std::calloc(bytes, 1), std::free);
  pointer = owner.get();
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

  std::string tempPath = (path + ".tmp").str();
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tempPath, ec);
    if (ec)
      return llvm::createStringError(ec, "%s: cannot write: %s", path.str().c_str(),
                                     ec.message().c_str());
    os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
       << char(header.size() >> 8) << header;
    os.write(static_cast<const char *>(tensor.data()), tensor.numBytes());
    os.close();
    if (os.has_error())
      return llvm::createStringError(os.error(), "%s: write failed", path.str().c_str());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path))
    return llvm::createStringError(ec, "%s: cannot rename: %s", path.str().c_str(),
                                   ec.message().c_str());
  return llvm::Error::success();
}
