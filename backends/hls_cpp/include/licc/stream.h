// licc kernel library: hls::stream for C simulation without the vendor headers.
// An unbounded FIFO with the interface the kernels use; the dataflow's FIFO
// depths matter only in hardware (and in co-simulation), not in C simulation.
#ifndef LICC_STREAM_H
#define LICC_STREAM_H

#include <cstdio>
#include <cstdlib>
#include <deque>

namespace hls {

template <class T>
class stream {
  public:
    stream() = default;
#ifdef LICC_FAULT  // fault-injection C simulation: a named stream's beats can take an upset
    explicit stream(const char *name) : name_(name) {}
    void write(const T &x) {
        T y = x;
        ::licc::fault::beat(name_, writes_++, y);
        data_.push_back(y);
    }
#else
    explicit stream(const char *) {}
    void write(const T &x) { data_.push_back(x); }
#endif
    stream(const stream &) = delete;
    stream &operator=(const stream &) = delete;

    T read() {
        if (data_.empty()) {
            std::fprintf(stderr, "hls::stream read while empty: the dataflow would deadlock\n");
            std::abort();
        }
        T x = data_.front();
        data_.pop_front();
        return x;
    }
    void read(T &x) { x = read(); }
    bool empty() const { return data_.empty(); }
    bool full() const { return false; }
    unsigned size() const { return static_cast<unsigned>(data_.size()); }

  private:
    std::deque<T> data_;
#ifdef LICC_FAULT
    const char *name_ = "";
    long long writes_ = 0;
#endif
};

}  // namespace hls

#endif
