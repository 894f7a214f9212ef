#include "store/hdf5_arrays.h"

#include <cstdint>
#include <limits>

#include "common/error.h"

namespace lamina::h5 {

namespace {

constexpr size_t kChunkTargetBytes = 256 * 1024;
// Deflate cannot shrink data more than ~1032:1, so a dataset claiming far more elements than
// its stored bytes could hold is hostile (reading it would allocate the claimed size).
constexpr double kMaxCompressionRatio = 1100.0;
constexpr hsize_t kMaxElements = hsize_t{1} << 34;

std::vector<hsize_t> checkedDims(const std::string& name, const std::vector<int64_t>& shape,
                                 size_t count) {
    if (shape.size() > H5S_MAX_RANK)
        throw Error("dataset '" + name + "' has rank " + std::to_string(shape.size()));
    std::vector<hsize_t> dims;
    size_t product = 1;
    for (const int64_t d : shape) {
        if (d < 0) throw Error("dataset '" + name + "' has a negative dimension");
        const size_t n = static_cast<size_t>(d);
        if (n != 0 && product > std::numeric_limits<size_t>::max() / n)
            throw Error("dataset '" + name + "': shape is too large");
        dims.push_back(n);
        product *= n;
    }
    if (product != count)
        throw Error("dataset '" + name + "': shape holds " + std::to_string(product) +
                    " elements but " + std::to_string(count) + " values were given");
    return dims;
}

Dataspace makeSpace(const std::vector<hsize_t>& dims, const std::string& what) {
    if (dims.empty()) return Dataspace(checkId(H5Screate(H5S_SCALAR), what));
    return Dataspace(
        checkId(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), what));
}

// Contiguous for small arrays; chunks of <= 256 KiB (halving the longest side) with shuffle
// and deflate above kCompressAboveBytes.
PropList creationProps(const std::vector<hsize_t>& dims, size_t elementBytes,
                       const std::string& what) {
    PropList dcpl(checkId(H5Pcreate(H5P_DATASET_CREATE), what));
    size_t bytes = elementBytes;
    for (const hsize_t d : dims) bytes *= d;
    if (dims.empty() || bytes <= kCompressAboveBytes || H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0)
        return dcpl;
    std::vector<hsize_t> chunk = dims;
    while (bytes > kChunkTargetBytes) {
        size_t longest = 0;
        for (size_t i = 1; i < chunk.size(); ++i)
            if (chunk[i] > chunk[longest]) longest = i;
        if (chunk[longest] == 1) break;
        bytes = bytes / chunk[longest] * ((chunk[longest] + 1) / 2);
        chunk[longest] = (chunk[longest] + 1) / 2;
    }
    checkStatus(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), what);
    checkStatus(H5Pset_shuffle(dcpl.get()), what);
    checkStatus(H5Pset_deflate(dcpl.get(), 4), what);
    return dcpl;
}

template <typename T>
Dataset writeNumeric(hid_t group, const std::string& name, const std::vector<int64_t>& shape,
                     const std::vector<T>& values, hid_t fileType, hid_t memType) {
    const std::string what = "cannot write dataset '" + name + "'";
    const std::vector<hsize_t> dims = checkedDims(name, shape, values.size());
    Dataspace space = makeSpace(dims, what);
    PropList dcpl = creationProps(dims, sizeof(T), what);
    Dataset dataset(checkId(H5Dcreate2(group, name.c_str(), fileType, space.get(), H5P_DEFAULT,
                                       dcpl.get(), H5P_DEFAULT),
                            what));
    if (!values.empty())
        checkStatus(H5Dwrite(dataset.get(), memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                    what);
    return dataset;
}

// The shape of `dataset` and its element count, validated against its storage.
std::vector<int64_t> readShape(hid_t dataset, const std::string& name, size_t elementBytes,
                               size_t& count) {
    const std::string what = "cannot read dataset '" + name + "'";
    Dataspace space(checkId(H5Dget_space(dataset), what));
    const H5S_class_t cls = H5Sget_simple_extent_type(space.get());
    if (cls != H5S_SCALAR && cls != H5S_SIMPLE)
        throw Error("dataset '" + name + "' has no dataspace");
    const int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 0 || rank > H5S_MAX_RANK) throw Error(what + ": bad rank");
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    if (rank > 0) checkStatus(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), what);
    hsize_t product = 1;
    std::vector<int64_t> shape;
    for (const hsize_t d : dims) {
        if (d > kMaxElements || (d > 0 && product > kMaxElements / d))
            throw Error("dataset '" + name + "' is too large");
        product *= d;
        shape.push_back(static_cast<int64_t>(d));
    }
    const hssize_t points = H5Sget_simple_extent_npoints(space.get());
    if (points < 0 || static_cast<hsize_t>(points) != product)
        throw Error("dataset '" + name + "': shape and element count disagree");
    const double raw = static_cast<double>(product) * static_cast<double>(elementBytes);
    const double stored = static_cast<double>(H5Dget_storage_size(dataset));
    if (raw > static_cast<double>(kCompressAboveBytes) && stored * kMaxCompressionRatio < raw)
        throw Error("dataset '" + name + "' claims " + std::to_string(product) +
                    " elements but stores only " + std::to_string(H5Dget_storage_size(dataset)) +
                    " bytes");
    count = static_cast<size_t>(product);
    return shape;
}

template <typename T>
std::vector<T> readValues(hid_t dataset, const std::string& name, hid_t memType, size_t count) {
    std::vector<T> values(count);
    if (count > 0)
        checkStatus(H5Dread(dataset, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
                    "cannot read dataset '" + name + "'");
    return values;
}

}  // namespace

Dataset writeDoubles(hid_t group, const std::string& name, const DoubleArray& array) {
    return writeNumeric(group, name, array.shape, array.values, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

Dataset writeInts(hid_t group, const std::string& name, const IntArray& array) {
    return writeNumeric(group, name, array.shape, array.values, H5T_STD_I64LE, H5T_NATIVE_INT64);
}

Dataset writeStrings(hid_t group, const std::string& name, const std::vector<std::string>& list) {
    const std::string what = "cannot write dataset '" + name + "'";
    std::vector<const char*> pointers;
    for (const std::string& s : list) {
        if (s.find('\0') != std::string::npos)
            throw Error("dataset '" + name + "': a string contains a NUL byte");
        pointers.push_back(s.c_str());
    }
    Datatype type = vlenString();
    Dataspace space = makeSpace({static_cast<hsize_t>(list.size())}, what);
    Dataset dataset(checkId(H5Dcreate2(group, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                       H5P_DEFAULT, H5P_DEFAULT),
                            what));
    if (!pointers.empty())
        checkStatus(
            H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
            what);
    return dataset;
}

DoubleArray readDoubles(hid_t dataset, const std::string& name) {
    DoubleArray array;
    size_t count = 0;
    array.shape = readShape(dataset, name, sizeof(double), count);
    array.values = readValues<double>(dataset, name, H5T_NATIVE_DOUBLE, count);
    return array;
}

IntArray readInts(hid_t dataset, const std::string& name) {
    IntArray array;
    size_t count = 0;
    array.shape = readShape(dataset, name, sizeof(int64_t), count);
    array.values = readValues<int64_t>(dataset, name, H5T_NATIVE_INT64, count);
    return array;
}

std::vector<std::string> readStrings(hid_t dataset, const std::string& name) {
    const std::string what = "cannot read dataset '" + name + "'";
    Datatype fileType(checkId(H5Dget_type(dataset), what));
    const bool variable = checkStatus(H5Tis_variable_str(fileType.get()), what) > 0;
    const size_t width = variable ? sizeof(char*) : H5Tget_size(fileType.get());
    if (width == 0) throw Error(what + ": bad string type");
    size_t count = 0;
    const std::vector<int64_t> shape = readShape(dataset, name, width, count);
    if (shape.size() != 1) throw Error("string dataset '" + name + "' is not one-dimensional");
    std::vector<std::string> list;
    list.reserve(count);
    if (count == 0) return list;
    if (variable) {
        Datatype memType = vlenString(H5Tget_cset(fileType.get()));
        std::vector<char*> texts(count, nullptr);
        checkStatus(H5Dread(dataset, memType.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.data()),
                    what);
        for (const char* t : texts) list.emplace_back(t != nullptr ? t : "");
        Dataspace space(checkId(H5Dget_space(dataset), what));
        H5Dvlen_reclaim(memType.get(), space.get(), H5P_DEFAULT, texts.data());
        return list;
    }
    // Fixed-length strings: `width` bytes each, NUL-padded or NUL-terminated.
    Datatype memType(checkId(H5Tcopy(fileType.get()), what));
    std::vector<char> bytes(count * width);
    checkStatus(H5Dread(dataset, memType.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()), what);
    for (size_t i = 0; i < count; ++i) {
        const char* begin = bytes.data() + i * width;
        size_t length = 0;
        while (length < width && begin[length] != '\0') ++length;
        list.emplace_back(begin, length);
    }
    return list;
}

}  // namespace lamina::h5
