// licc kernel library: reads of memories lic-protect triplicated.
#ifndef LICC_PROTECT_H
#define LICC_PROTECT_H

namespace licc {

// The bitwise majority of a word's three copies: an upset in one copy is outvoted.
template <class T>
inline T vote(T a, T b, T c) {
    return T((a & b) | (a & c) | (b & c));
}

}  // namespace licc

#endif
