// licc kernel library, fault-injection C simulation only: the testbench is
// compiled with `-include licc/fault.h` (lic_compiler.faults.csim), never in
// the emitted design. One upset per run, described by $LICC_FAULT_SPEC as
// `;`-separated entries:
//   word ARRAY INDEX VALUE                  a weight or table word holds VALUE for the whole frame
//   beat STREAM BEAT ELEMENT BIT WIDTH S    bit BIT of one value of one beat of a named stream
//   acc STAGE CHANNEL CALL Y X BIT WIDTH S  bit BIT of an accumulator before its epilogue: the
//                                           CALL-th of CHANNEL (kernels that count) or pixel (Y, X)
//   rom TABLE::ROM INDEX VALUE              a root table's entry or slope word holds VALUE
// (S: 1 if the value is signed). Flips are two's complement at WIDTH bits, as
// lic_compiler.faults.engine.flip computes them.
#ifndef LICC_FAULT_H
#define LICC_FAULT_H

#define LICC_FAULT 1

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

namespace licc {
namespace fault {

struct Spec {
    bool beat = false, acc = false;
    char name[128] = "";  // the stream's or the stage's ("part/stage")
    long long index = 0, element = 0, call = -1, y = -1, x = -1;
    int bit = 0, width = 0, is_signed = 1;
    const void *rom = nullptr;  // a root table's ROM function, its word and value
    long long rom_index = -1, rom_value = 0;
};

inline Spec &spec() {
    static Spec s;
    return s;
}

inline int64_t flip(int64_t value, int bit, int width, int is_signed) {
    const uint64_t mask = width >= 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1;
    const uint64_t word = (uint64_t(value) & mask) ^ (uint64_t(1) << bit);
    if (is_signed && width < 64 && (word >> (width - 1)) & 1) return int64_t(word) - (int64_t(1) << width);
    return int64_t(word);
}

// A weight or table array the testbench may overwrite (the registry lic_compiler.faults.csim emits).
struct Array {
    const char *name;
    void *data;
    int bytes;  // per element
    long long count;
};

inline void write_word(const Array &a, long long index, long long value) {
    if (index < 0 || index >= a.count) {
        std::fprintf(stderr, "fault: index %lld out of %s[%lld]\n", index, a.name, a.count);
        std::exit(2);
    }
    char *p = static_cast<char *>(a.data) + index * a.bytes;
    switch (a.bytes) {
        case 1: *reinterpret_cast<int8_t *>(p) = int8_t(value); break;
        case 2: *reinterpret_cast<int16_t *>(p) = int16_t(value); break;
        case 4: *reinterpret_cast<int32_t *>(p) = int32_t(value); break;
        default: *reinterpret_cast<int64_t *>(p) = int64_t(value); break;
    }
}

// A root table's ROM (licc/table.h reads it through Tab::entry and Tab::slope).
struct Rom {
    const char *name;
    const void *read;
};

// Parse $LICC_FAULT_SPEC: words are written at once, the others are kept for the hooks.
inline void install(const Array *arrays, int count, const Rom *roms, int rom_count) {
    const char *text = std::getenv("LICC_FAULT_SPEC");
    if (text == nullptr) return;
    std::string all(text);
    size_t start = 0;
    while (start < all.size()) {
        size_t end = all.find(';', start);
        if (end == std::string::npos) end = all.size();
        const std::string entry = all.substr(start, end - start);
        start = end + 1;
        char kind[8], name[128];
        long long a = 0, b = 0, c = 0, d = 0;
        Spec &s = spec();
        if (std::sscanf(entry.c_str(), "word %127s %lld %lld", name, &a, &b) == 3) {
            int i = 0;
            while (i < count && std::strcmp(arrays[i].name, name)) i++;
            if (i == count) {
                std::fprintf(stderr, "fault: no array %s\n", name);
                std::exit(2);
            }
            write_word(arrays[i], a, b);
        } else if (std::sscanf(entry.c_str(), "rom %127s %lld %lld", name, &a, &b) == 3) {
            int i = 0;
            while (i < rom_count && std::strcmp(roms[i].name, name)) i++;
            if (i == rom_count) {
                std::fprintf(stderr, "fault: no table ROM %s\n", name);
                std::exit(2);
            }
            s.rom = roms[i].read;
            s.rom_index = a;
            s.rom_value = b;
        } else if (std::sscanf(entry.c_str(), "beat %127s %lld %lld %d %d %d", name, &a, &b, &s.bit, &s.width,
                               &s.is_signed) == 6) {
            s.beat = true;
            std::strcpy(s.name, name);
            s.index = a;
            s.element = b;
        } else if (std::sscanf(entry.c_str(), "acc %127s %lld %lld %lld %lld %d %d %d", name, &a, &b, &c, &d, &s.bit,
                               &s.width, &s.is_signed) == 8) {
            s.acc = true;
            std::strcpy(s.name, name);
            s.element = a;
            s.call = b;
            s.y = c;
            s.x = d;
        } else if (!entry.empty() && std::sscanf(entry.c_str(), "%7s", kind) == 1) {
            std::fprintf(stderr, "fault: cannot parse '%s'\n", entry.c_str());
            std::exit(2);
        }
    }
}

// Whether the stage configured by C is the upset's (compared once per stage).
template <class C>
inline bool acc_stage() {
    static const bool hit = spec().acc && !std::strcmp(C::stage(), spec().name);
    return hit;
}

// LICC_FAULT_ACC: the kernels that produce a channel's pixels in order count its epilogue calls.
template <class C, class A>
inline A acc_counted(const A &acc, int o) {
    if (!acc_stage<C>() || o != spec().element) return acc;
    static long long calls = 0;
    if (calls++ != spec().call) return acc;
    return A(flip(static_cast<int64_t>(acc), spec().bit, spec().width, spec().is_signed));
}

// LICC_FAULT_ACC_AT: the kernels that know the output pixel say it.
template <class C, class A>
inline A acc_at(const A &acc, int o, int y, int x) {
    if (!acc_stage<C>() || o != spec().element || y != spec().y || x != spec().x) return acc;
    return A(flip(static_cast<int64_t>(acc), spec().bit, spec().width, spec().is_signed));
}

// A stream's write: the upset's beat of the upset's stream takes the flip.
template <class T>
inline void beat(const char *stream, long long index, T &x) {
    if (!spec().beat || index != spec().index || std::strcmp(stream, spec().name)) return;
    typedef typename std::remove_reference<decltype(x.v[0])>::type E;
    x.v[spec().element] = E(flip(static_cast<int64_t>(x.v[spec().element]), spec().bit, spec().width, spec().is_signed));
}

// LICC_FAULT_ROM: a root table's word as the ROM holds it.
inline int64_t rom_word(const void *read, int index, int64_t value) {
    return read == spec().rom && index == spec().rom_index ? spec().rom_value : value;
}

}  // namespace fault
}  // namespace licc

#define LICC_FAULT_ACC(C, acc, o) (::licc::fault::acc_counted<C>((acc), (o)))
#define LICC_FAULT_ACC_AT(C, acc, o, y, x) (::licc::fault::acc_at<C>((acc), (o), (y), (x)))
#define LICC_FAULT_ROM(Tab, rom, i) \
    (::licc::fault::rom_word(reinterpret_cast<const void *>(&Tab::rom), (i), Tab::rom(i)))

#endif
