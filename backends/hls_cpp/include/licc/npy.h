// licc testbench support: integer tensors in NumPy's .npy format.
//
// Reads a C-order little-endian int8/16/32/64 or uint8/16/32 array of any
// shape; writes a C-order int64 array. Errors end the program with a message.
#ifndef LICC_NPY_H
#define LICC_NPY_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace licc {

struct Tensor {
    std::vector<int64_t> shape;
    std::vector<int64_t> data;
};

[[noreturn]] inline void npy_fail(const std::string &path, const std::string &why) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), why.c_str());
    std::exit(2);
}

template <class T>
inline void npy_decode(const std::string &bytes, std::vector<int64_t> &out) {
    const size_t n = bytes.size() / sizeof(T);
    out.resize(n);
    for (size_t i = 0; i < n; i++) {
        T v;
        std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
        out[i] = static_cast<int64_t>(v);
    }
}

inline Tensor read_npy(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) npy_fail(path, "cannot open");
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (all.size() < 10 || all.compare(0, 6, "\x93NUMPY") != 0) npy_fail(path, "not a .npy file");
    const int major = static_cast<unsigned char>(all[6]);
    const size_t len_bytes = major == 1 ? 2 : 4;
    size_t header_len = 0;
    for (size_t i = 0; i < len_bytes; i++) header_len |= size_t(static_cast<unsigned char>(all[8 + i])) << (8 * i);
    const size_t start = 8 + len_bytes;
    const std::string header = all.substr(start, header_len);
    if (header.find("'fortran_order': False") == std::string::npos) npy_fail(path, "needs C order");
    const size_t d = header.find("'descr': '") + 10;
    const std::string descr = header.substr(d, header.find('\'', d) - d);
    const size_t s = header.find('(', header.find("'shape'")) + 1;
    Tensor t;
    std::stringstream dims(header.substr(s, header.find(')', s) - s));
    std::string dim;
    while (std::getline(dims, dim, ',')) {
        if (dim.find_first_not_of(' ') != std::string::npos) t.shape.push_back(std::stoll(dim));
    }
    const std::string body = all.substr(start + header_len);
    if (descr == "|i1") npy_decode<int8_t>(body, t.data);
    else if (descr == "|u1") npy_decode<uint8_t>(body, t.data);
    else if (descr == "<i2") npy_decode<int16_t>(body, t.data);
    else if (descr == "<u2") npy_decode<uint16_t>(body, t.data);
    else if (descr == "<i4") npy_decode<int32_t>(body, t.data);
    else if (descr == "<u4") npy_decode<uint32_t>(body, t.data);
    else if (descr == "<i8") npy_decode<int64_t>(body, t.data);
    else npy_fail(path, "unsupported dtype " + descr);
    size_t count = 1;
    for (int64_t n : t.shape) count *= size_t(n);
    if (count != t.data.size()) npy_fail(path, "truncated data");
    return t;
}

inline void write_npy(const std::string &path, const Tensor &t) {
    std::string shape;
    for (int64_t n : t.shape) shape += std::to_string(n) + ", ";
    std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (" + shape + "), }";
    header.append(63 - (10 + header.size()) % 64, ' ');
    header += '\n';
    std::ofstream f(path, std::ios::binary);
    if (!f) npy_fail(path, "cannot write");
    const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                  static_cast<unsigned char>(header.size() >> 8)};
    f.write("\x93NUMPY\x01\x00", 8);
    f.write(reinterpret_cast<const char *>(len), 2);
    f.write(header.data(), std::streamsize(header.size()));
    f.write(reinterpret_cast<const char *>(t.data.data()), std::streamsize(t.data.size() * sizeof(int64_t)));
}

}  // namespace licc

#endif
