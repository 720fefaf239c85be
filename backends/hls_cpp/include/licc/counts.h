// licc kernel library, C simulation only: per stage, how many iterations its
// pipelined loop ran, and which of them read or wrote a beat (their number
// and the sum of their indices), to compare with lic_compiler/hls_schedule.py.
#ifndef LICC_COUNTS_H
#define LICC_COUNTS_H

#include <cstdio>
#include <vector>

namespace licc {

struct LoopCount {
    const char *stage;
    long long iters, reads, writes, read_sum, write_sum;
};

inline std::vector<LoopCount *> &loop_counts() {
    static std::vector<LoopCount *> all;
    return all;
}

// The counter of the stage configured by C (C::stage() names it).
template <class C>
inline LoopCount &loop_count() {
    static LoopCount count = {C::stage(), 0, 0, 0, 0, 0};
    static bool listed = false;
    if (!listed) {
        loop_counts().push_back(&count);
        listed = true;
    }
    return count;
}

// {"stage": {"iters": …, "reads": …, "writes": …, "read_sum": …, "write_sum": …}, …}
inline bool write_loop_counts(const char *path) {
    std::FILE *f = std::fopen(path, "w");
    if (!f) return false;
    std::fprintf(f, "{");
    const std::vector<LoopCount *> &all = loop_counts();
    for (size_t i = 0; i < all.size(); i++) {
        const LoopCount &c = *all[i];
        std::fprintf(f, "%s\n  \"%s\": {\"iters\": %lld, \"reads\": %lld, \"writes\": %lld, "
                        "\"read_sum\": %lld, \"write_sum\": %lld}",
                     i ? "," : "", c.stage, c.iters, c.reads, c.writes, c.read_sum, c.write_sum);
    }
    std::fprintf(f, "\n}\n");
    return std::fclose(f) == 0;
}

}  // namespace licc

#define LICC_COUNT_ITER(C) (++::licc::loop_count<C>().iters)
#define LICC_COUNT_READ(C, i) (++::licc::loop_count<C>().reads, ::licc::loop_count<C>().read_sum += (i))
#define LICC_COUNT_WRITE(C, i) (++::licc::loop_count<C>().writes, ::licc::loop_count<C>().write_sum += (i))

#endif
