// licc kernel library: reads of memories lic-protect triplicated.
#ifndef LICC_PROTECT_H
#define LICC_PROTECT_H

namespace licc {

// The bitwise majority of a word's three copies: an upset in one copy is outvoted.
template <class T>
inline T vote(T a, T b, T c) {
    return T((a & b) | (a & c) | (b & c));
}

// A word whose high bits are triplicated (lic-protect's tmr-high): `a` is the whole
// word, `b` and `c` hold its bits from LOW up (a >> LOW). The high bits are the majority
// of the three, the low LOW bits are a's own.
template <int LOW, class T, class H>
inline T vote_high(T a, H b, H c) {
    const long long w = (long long)a;
    const long long high = vote(w >> LOW, (long long)b, (long long)c);
    return T(high * (1LL << LOW) + (w & ((1LL << LOW) - 1)));  // no left shift of a negative value
}

}  // namespace licc

#endif
