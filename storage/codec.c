/* codec.c - column codecs: ints (delta / delta-of-delta x PFOR / RLE), doubles (scaled decimal
 * or Gorilla XOR), bitmaps and strings.
 *
 * Conventions for every layout below: "uvarint" is LEB128, "svarint" is zigzag then LEB128
 * (gp_buf_put_uvarint / gp_buf_put_svarint), multi-byte fixed fields are little-endian, and a
 * bit stream is little-endian in bits: bit j of a stream is bit (j % 8) of byte (j / 8), and a
 * k-bit field placed at bit j holds its least significant bit at j. The row count n is not
 * stored; the caller's chunk header carries it.
 *
 * ================================ INTS =====================================================
 *
 *   byte 0   tag = transform | packing << 2      transform 0 plain, 1 delta, 2 delta-of-delta
 *                                                packing   0 PFOR,  1 RLE
 *   header   plain: nothing                      stream u[0..m): m = n,   u[j] = v[j]
 *            delta: svarint v[0]  (if n >= 1)    stream m = n-1,          u[j] = v[j+1]-v[j]
 *            dod:   svarint v[0]  (if n >= 1)    stream m = n-2,          u[j] = d[j+1]-d[j]
 *                   svarint v[1]-v[0] (n >= 2)   where d[j] = v[j+1]-v[j]
 *   stream   (absent when m == 0)
 *     PFOR:  svarint min            signed minimum of u
 *            u8 b                   bit width 0..64
 *            uvarint nexc           number of exceptions
 *            ceil(m*b/8) bytes      bit stream: value j at bit j*b holds the low b bits of
 *                                   o[j] = u[j] - min (an unsigned offset)
 *            nexc x (uvarint gap, uvarint high)   exception positions ascend: the first is at
 *                                   gap, each next at previous + 1 + gap; o[pos] = low | high<<b
 *     RLE:   uvarint nruns, then nruns x (svarint value, uvarint run length - 1)
 *
 *   All arithmetic on deltas wraps in uint64, so INT64_MIN next to INT64_MAX round-trips. The
 *   encoder never writes a candidate it does not keep: two branch-free scans over the three
 *   transforms at once give each stream's minimum, run count and a histogram of offset bit
 *   widths; the histogram prices every b exactly (up to the exception gaps, costed at their
 *   average spacing), and RLE is sized exactly only when a lower bound from the run count says
 *   it could beat the best PFOR. The smallest candidate is written (the first one on ties).
 *
 *   Example 1, timestamps 1000 2000 3000 4000 4500 (n = 5) encode in 10 bytes as delta + RLE:
 *     05                tag: transform 1 (delta) | packing 1 (RLE) << 2
 *     d0 0f             v[0] = 1000 (zigzag 2000)
 *     02                two runs over the deltas 1000 1000 1000 500
 *     d0 0f 02          value 1000, 3 times
 *     e8 07 00          value 500, once
 *   (delta + PFOR needs 12 bytes: min 500, b = 9, offsets 500 500 500 0 in 5 bytes.)
 *
 *   Example 2, 3 5 4 1000 6 3 (n = 6) encode in 9 bytes as plain + PFOR with b = 2 and one
 *   exception (b = 10 without exceptions would take 12):
 *     00                tag: plain, PFOR
 *     06                min = 3 (zigzag 6)
 *     02                b = 2
 *     01                one exception
 *     58 03             offsets 0 2 1 997 3 0 keep their low 2 bits 0 2 1 1 3 0, two bits
 *                       each from bit 0 up: byte 0 = 01 01 10 00 (read right to left) = 0x58,
 *                       byte 1 = 00 00 00 11 = 0x03
 *     03 f9 01          exception at index 0 + 3 = 3, high bits 997 >> 2 = 249
 *
 * ================================ DOUBLES ==================================================
 *
 *   byte 0   tag: 0 scaled decimal, 1 XOR
 *   scaled:  u8 d (0..9), then the ints codec of k[i] = llround(v[i] * 10^d); decoding
 *            computes (double)k / 10^d, the same correctly rounded division the encoder checked
 *            to give back v[i] exactly for every i. d is the smallest that works for all values;
 *            NaN, infinities, -0.0 and |k| >= 2^53 rule the mode out.
 *   XOR:     a bit stream, zero-padded to whole bytes; it holds
 *            64 bits           the first value's bit pattern
 *            then per value i >= 1, x = bits(v[i]) ^ bits(v[i-1]):
 *            '0'               x == 0                                    (1 bit)
 *            '1' '0' + L bits  x fits the current window (lz >= its leading zeros and
 *                              tz >= its trailing zeros): x >> window_tz (L = window length)
 *            '1' '1' + 6 bits lz + 6 bits (len - 1) + len bits x >> tz: opens a new window
 *            where lz / tz count x's leading / trailing zero bits and len = 64 - lz - tz. The
 *            control bits come first, the first one at the lower bit position.
 *
 *   Example: 1.0 1.0 1.5 are decimals and become d = 1, ints 10 10 15, 8 bytes:
 *     00 01 | 00 14 00 01 02 05    (plain PFOR, min 10, b = 0, one exception at 2 with high 5)
 *   Adding -0.0 forces XOR mode, 15 bytes:
 *     01                             tag
 *     00 00 00 00 00 00 f0 3f        1.0 = 0x3ff0000000000000, 64 bits
 *     66 80 03 cc ff 05              from bit 64, least significant bit first:
 *       0                            1.0 again
 *       1 1  001100  000000  1       1.5: x = 0x0008000000000000, lz 12, len 1, the bit
 *       1 1  000000  001100  (13 bits of 0x17ff)
 *                                    -0.0: x = 0xbff8000000000000 does not fit the window
 *                                    (lz 0 < 12): new window lz 0, len 13, tz 51
 *     (fields are shown most significant bit first; 107 bits round up to 14 bytes)
 *
 * ================================ BITS =====================================================
 *
 *   byte 0   0 all bits zero, 1 all bits one, 2 raw: ceil(n/8) bytes follow, bit i in byte
 *            i/8 at bit i%8, the unused high bits of the last byte zero.
 *   Example: n = 10, bits 0 and 9 set -> 02 01 02.
 *
 * ================================ STRINGS ==================================================
 *
 *   the ints codec of the n lengths, then the n strings' bytes back to back.
 *   Example: "ab", "", "xyz" -> 00 00 02 00 32 61 62 78 79 7a: lengths 2 0 3 as plain PFOR
 *   (min 0, b = 2, no exceptions, packed 10 00 11 -> 0x32), then "abxyz".
 */
#include "codec.h"

#include <math.h>
#include <string.h>

/* ---- small helpers ---- */

#if defined(__GNUC__)
#define GP_INLINE static inline __attribute__((always_inline))
#else
#define GP_INLINE static inline
#endif

#define CODEC_MAX_N (SIZE_MAX / 16) /* keeps m * 64 bits and n * 10 bytes from overflowing */

GP_INLINE uint64_t ld64le(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  x = __builtin_bswap64(x);
#endif
  return x;
}

GP_INLINE void st64le(uint8_t *p, uint64_t x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  x = __builtin_bswap64(x);
#endif
  memcpy(p, &x, 8);
}

GP_INLINE unsigned bit_width(uint64_t x) { return x ? 64u - (unsigned)__builtin_clzll(x) : 0u; }

/* Bytes of the LEB128 form of a value that is w bits wide (a table: no division in the
 * encoder's size loops). */
static const uint8_t varint_len_tab[65] = {
    1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5,
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10};
GP_INLINE size_t varint_len_w(unsigned w) { return varint_len_tab[w]; }
GP_INLINE size_t uvlen(uint64_t x) { return varint_len_w(bit_width(x)); }
GP_INLINE size_t svlen(uint64_t x) { return uvlen(gp_zigzag((int64_t)x)); }

GP_INLINE uint64_t low_mask(unsigned b) { return b >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << b) - 1; }

static gp_rc corrupt(gp_err *err, const char *what) {
  return gp_err_set(err, GP_CORRUPT, "corrupt column encoding: %s", what);
}

/* ================================ INTS ===================================================== */

enum { T_PLAIN = 0, T_DELTA = 1, T_DOD = 2, N_TRANSFORMS = 3 };
enum { P_PFOR = 0, P_RLE = 1 };

/* Stream value j of transform t over v (as uint64, so every difference wraps). */
GP_INLINE uint64_t tval(const uint64_t *v, size_t j, int t) {
  if (t == T_PLAIN) return v[j];
  if (t == T_DELTA) return v[j + 1] - v[j];
  return v[j + 2] - 2 * v[j + 1] + v[j];
}

GP_INLINE size_t stream_len(size_t n, int t) { return n > (size_t)t ? n - (size_t)t : 0; }

typedef struct scan {
  uint64_t min;      /* signed minimum of the stream, as a bit pattern */
  size_t runs;       /* number of runs of equal values */
  size_t hist[65];   /* hist[w]: values whose offset from min is w bits wide */
  size_t pfor_bytes; /* best PFOR size for the stream, including its header */
  unsigned b;        /* the bit width that gives it */
  size_t nexc;       /* exceptions at that width */
} scan;

/* Pass 1, all three transforms at once: minimum and number of runs. Branch-free, so data with
 * no runs costs the same as data with many. */
static void scan_min_runs(const uint64_t *v, size_t n, scan s[N_TRANSFORMS]) {
  int64_t mn0 = (int64_t)v[0], mn1 = INT64_MAX, mn2 = INT64_MAX;
  size_t r0 = 1, r1 = 0, r2 = 0;
  uint64_t p0 = v[0], p1 = 0, p2 = 0;
  if (n >= 2) {
    p1 = v[1] - v[0];
    mn1 = (int64_t)p1;
    r1 = 1;
    r0 += v[1] != p0;
    p0 = v[1];
    mn0 = (int64_t)p0 < mn0 ? (int64_t)p0 : mn0;
  }
  if (n >= 3) {
    p2 = (v[2] - v[1]) - p1; /* value 0 of the dod stream */
    mn2 = (int64_t)p2;
    r2 = 1;
  }
  for (size_t i = 2; i < n; i++) {
    uint64_t u0 = v[i], u1 = v[i] - v[i - 1], u2 = u1 - p1;
    mn0 = (int64_t)u0 < mn0 ? (int64_t)u0 : mn0;
    mn1 = (int64_t)u1 < mn1 ? (int64_t)u1 : mn1;
    mn2 = (int64_t)u2 < mn2 ? (int64_t)u2 : mn2;
    r0 += u0 != p0;
    r1 += u1 != p1;
    r2 += i >= 3 && u2 != p2;
    p0 = u0, p1 = u1, p2 = u2;
  }
  s[T_PLAIN].min = (uint64_t)mn0, s[T_PLAIN].runs = r0;
  s[T_DELTA].min = (uint64_t)mn1, s[T_DELTA].runs = r1;
  s[T_DOD].min = (uint64_t)mn2, s[T_DOD].runs = r2;
}

/* Pass 2, all three transforms at once: histograms of offset widths. Each histogram has two
 * copies (even and odd positions) so a long stretch of equal widths does not serialise on one
 * counter's store-to-load latency. */
static void scan_hist(const uint64_t *v, size_t n, scan s[N_TRANSFORMS]) {
  size_t h[N_TRANSFORMS][2][65];
  memset(h, 0, sizeof h);
  const uint64_t m0 = s[T_PLAIN].min, m1 = s[T_DELTA].min, m2 = s[T_DOD].min;
  h[T_PLAIN][0][bit_width(v[0] - m0)]++;
  if (n >= 2) {
    h[T_PLAIN][0][bit_width(v[1] - m0)]++;
    h[T_DELTA][0][bit_width(v[1] - v[0] - m1)]++;
  }
  size_t i = 2;
  for (; i + 2 <= n; i += 2) {
    uint64_t a1 = v[i] - v[i - 1], b1 = v[i + 1] - v[i];
    uint64_t a2 = a1 - (v[i - 1] - v[i - 2]), b2 = b1 - a1;
    h[T_PLAIN][0][bit_width(v[i] - m0)]++;
    h[T_PLAIN][1][bit_width(v[i + 1] - m0)]++;
    h[T_DELTA][0][bit_width(a1 - m1)]++;
    h[T_DELTA][1][bit_width(b1 - m1)]++;
    h[T_DOD][0][bit_width(a2 - m2)]++;
    h[T_DOD][1][bit_width(b2 - m2)]++;
  }
  if (i < n) {
    uint64_t a1 = v[i] - v[i - 1];
    h[T_PLAIN][0][bit_width(v[i] - m0)]++;
    h[T_DELTA][0][bit_width(a1 - m1)]++;
    h[T_DOD][0][bit_width(a1 - (v[i - 1] - v[i - 2]) - m2)]++;
  }
  for (int t = 0; t < N_TRANSFORMS; t++)
    for (int w = 0; w <= 64; w++) s[t].hist[w] = h[t][0][w] + h[t][1][w];
}

/* Exact RLE size of stream t, or SIZE_MAX as soon as it reaches limit. */
static size_t rle_size(const uint64_t *v, size_t m, int t, size_t runs, size_t limit) {
  size_t bytes = uvlen(runs), start = 0;
  uint64_t cur = tval(v, 0, t);
  for (size_t j = 1; j <= m; j++) {
    uint64_t u = j < m ? tval(v, j, t) : ~cur;
    if (u == cur) continue;
    bytes += svlen(cur) + uvlen(j - start - 1);
    if (bytes >= limit) return SIZE_MAX;
    start = j;
    cur = u;
  }
  return bytes;
}

/* A lower bound of the RLE size: every run costs its value's varint plus at least one byte for
 * its length. When the stream is non-negative, a value is at least its offset from the minimum,
 * so the `runs` narrowest offsets bound the value bytes; otherwise one byte each. */
static size_t rle_lower_bound(const scan *s) {
  size_t bytes = uvlen(s->runs) + s->runs;
  if ((int64_t)s->min < 0) return bytes + s->runs;
  size_t left = s->runs;
  for (unsigned w = 0; w <= 64 && left; w++) {
    size_t take = s->hist[w] < left ? s->hist[w] : left;
    bytes += take * varint_len_w(w < 64 ? w + 1 : 64);
    left -= take;
  }
  return bytes;
}

/* The b that minimises the PFOR size given the width histogram. Exception positions are not
 * known here, so each gap is costed at the average spacing; everything else is exact. */
static void choose_width(size_t m, scan *s) {
  unsigned maxw = 64;
  while (maxw > 0 && s->hist[maxw] == 0) maxw--;
  size_t best = SIZE_MAX;
  for (unsigned b = 0; b <= maxw; b++) {
    size_t nexc = 0, exc_bytes = 0;
    for (unsigned w = b + 1; w <= maxw; w++) {
      nexc += s->hist[w];
      exc_bytes += s->hist[w] * varint_len_w(w - b);
    }
    size_t size = (size_t)(((uint64_t)m * b + 7) / 8) + exc_bytes + uvlen(nexc);
    if (nexc) size += nexc * uvlen(m / nexc);
    if (size < best) {
      best = size;
      s->b = b;
      s->nexc = nexc;
    }
  }
  s->pfor_bytes = svlen(s->min) + 1 + best;
}

/* Packs values [0, m) of stream t as low-b-bit offsets from byte dst, least significant bit
 * first (b in 1..64). Writes whole 64-bit words, up to 8 bytes past the block. */
GP_INLINE void pack_generic(const uint64_t *v, size_t j0, size_t m, int t, uint64_t mn,
                            unsigned b, uint8_t *dst) {
  const uint64_t mask = low_mask(b);
  uint64_t acc = 0;
  unsigned nb = 0; /* bits pending in acc, always < 64 */
  for (size_t j = j0; j < m; j++) {
    uint64_t x = (tval(v, j, t) - mn) & mask;
    acc |= x << nb;
    nb += b;
    if (nb >= 64) {
      st64le(dst, acc);
      dst += 8;
      nb -= 64;
      acc = nb ? x >> (b - nb) : 0;
    }
  }
  if (nb) st64le(dst, acc);
}

/* Eight values of width B (1..57) fill exactly B bytes, so every shift and byte offset inside a
 * group is a constant. Each value is stored as one unaligned 64-bit word holding the partial
 * byte left by the previous value (carry) plus the value; the next store overwrites the rest. */
GP_INLINE void pack_groups(const uint64_t *v, size_t ngroups, int t, uint64_t mn, uint8_t *dst,
                           const unsigned B) {
  const uint64_t mask = low_mask(B);
  for (size_t g = 0; g < ngroups; g++) {
    uint8_t *p = dst + g * B;
    size_t j = g * 8;
    uint64_t carry = 0, w;
#define GP_PACK1(k)                                                                   \
  w = carry | ((tval(v, j + (k), t) - mn) & mask) << (((k) * B) % 8);                 \
  st64le(p + ((k) * B) / 8, w);                                                       \
  carry = (((k) + 1) * B) / 8 - ((k) * B) / 8 < 8 ? w >> (8 * ((((k) + 1) * B) / 8 - \
                                                                ((k) * B) / 8) % 64)  \
                                                  : 0
    GP_PACK1(0);
    GP_PACK1(1);
    GP_PACK1(2);
    GP_PACK1(3);
    GP_PACK1(4);
    GP_PACK1(5);
    GP_PACK1(6);
    GP_PACK1(7);
#undef GP_PACK1
    (void)carry;
  }
}

GP_INLINE void pack_t(const uint64_t *v, size_t m, int t, uint64_t mn, unsigned b, uint8_t *dst) {
  size_t done = 0;
  if (b <= 57) {
    size_t ngroups = m / 8;
    switch (b) {
#define GP_PACK_CASE(B) \
  case B: pack_groups(v, ngroups, t, mn, dst, B); break;
      GP_PACK_CASE(1) GP_PACK_CASE(2) GP_PACK_CASE(3) GP_PACK_CASE(4)
      GP_PACK_CASE(5) GP_PACK_CASE(6) GP_PACK_CASE(7) GP_PACK_CASE(8)
      GP_PACK_CASE(9) GP_PACK_CASE(10) GP_PACK_CASE(11) GP_PACK_CASE(12)
      GP_PACK_CASE(13) GP_PACK_CASE(14) GP_PACK_CASE(15) GP_PACK_CASE(16)
      GP_PACK_CASE(17) GP_PACK_CASE(18) GP_PACK_CASE(19) GP_PACK_CASE(20)
      GP_PACK_CASE(21) GP_PACK_CASE(22) GP_PACK_CASE(23) GP_PACK_CASE(24)
      GP_PACK_CASE(25) GP_PACK_CASE(26) GP_PACK_CASE(27) GP_PACK_CASE(28)
      GP_PACK_CASE(29) GP_PACK_CASE(30) GP_PACK_CASE(31) GP_PACK_CASE(32)
      GP_PACK_CASE(33) GP_PACK_CASE(34) GP_PACK_CASE(35) GP_PACK_CASE(36)
      GP_PACK_CASE(37) GP_PACK_CASE(38) GP_PACK_CASE(39) GP_PACK_CASE(40)
      GP_PACK_CASE(41) GP_PACK_CASE(42) GP_PACK_CASE(43) GP_PACK_CASE(44)
      GP_PACK_CASE(45) GP_PACK_CASE(46) GP_PACK_CASE(47) GP_PACK_CASE(48)
      GP_PACK_CASE(49) GP_PACK_CASE(50) GP_PACK_CASE(51) GP_PACK_CASE(52)
      GP_PACK_CASE(53) GP_PACK_CASE(54) GP_PACK_CASE(55) GP_PACK_CASE(56)
      GP_PACK_CASE(57)
#undef GP_PACK_CASE
      default: break;
    }
    done = ngroups * 8;
  }
  /* a group ends on a byte boundary, so the rest starts byte-aligned */
  if (done < m) pack_generic(v, done, m, t, mn, b, dst + done / 8 * b);
}

static gp_rc put_pfor(const uint64_t *v, size_t m, int t, const scan *s, gp_buf *out) {
  const unsigned b = s->b;
  gp_rc rc;
  if ((rc = gp_buf_put_svarint(out, (int64_t)s->min)) != GP_OK) return rc;
  if ((rc = gp_buf_put_u8(out, (uint8_t)b)) != GP_OK) return rc;
  if ((rc = gp_buf_put_uvarint(out, s->nexc)) != GP_OK) return rc;
  if (b > 0) {
    size_t bytes = (size_t)(((uint64_t)m * b + 7) / 8);
    if ((rc = gp_buf_reserve(out, bytes + 8)) != GP_OK) return rc;
    uint8_t *dst = out->p + out->len;
    switch (t) {
      case T_PLAIN: pack_t(v, m, T_PLAIN, s->min, b, dst); break;
      case T_DELTA: pack_t(v, m, T_DELTA, s->min, b, dst); break;
      default: pack_t(v, m, T_DOD, s->min, b, dst); break;
    }
    out->len += bytes;
  }
  if (s->nexc == 0) return GP_OK;
  size_t next = 0; /* first position the next gap is counted from */
  for (size_t j = 0; j < m; j++) {
    uint64_t high = (tval(v, j, t) - s->min) >> b; /* b < 64 when there are exceptions */
    if (high == 0) continue;
    if ((rc = gp_buf_put_uvarint(out, j - next)) != GP_OK) return rc;
    if ((rc = gp_buf_put_uvarint(out, high)) != GP_OK) return rc;
    next = j + 1;
  }
  return GP_OK;
}

static gp_rc put_rle(const uint64_t *v, size_t m, int t, size_t runs, gp_buf *out) {
  gp_rc rc;
  if ((rc = gp_buf_put_uvarint(out, runs)) != GP_OK) return rc;
  size_t start = 0;
  for (size_t j = 1; j <= m; j++) {
    if (j < m && tval(v, j, t) == tval(v, start, t)) continue;
    if ((rc = gp_buf_put_svarint(out, (int64_t)tval(v, start, t))) != GP_OK) return rc;
    if ((rc = gp_buf_put_uvarint(out, j - start - 1)) != GP_OK) return rc;
    start = j;
  }
  return GP_OK;
}

static gp_rc ints_encode(const int64_t *vi, size_t n, gp_buf *out) {
  if (n > CODEC_MAX_N) return GP_INVALID;
  const uint64_t *v = (const uint64_t *)vi; /* same object, unsigned view: wrapping maths */
  size_t header[N_TRANSFORMS] = {0, 0, 0};
  if (n >= 1) header[T_DELTA] = header[T_DOD] = svlen(v[0]);
  if (n >= 2) header[T_DOD] += svlen(v[1] - v[0]);

  scan s[N_TRANSFORMS];
  size_t size[N_TRANSFORMS][2]; /* [transform][packing]: bytes after the tag */
  for (int t = 0; t < N_TRANSFORMS; t++) size[t][P_PFOR] = size[t][P_RLE] = header[t];
  if (n > 0) {
    scan_min_runs(v, n, s);
    scan_hist(v, n, s);
  }
  size_t best_pfor = SIZE_MAX;
  for (int t = 0; t < N_TRANSFORMS; t++) {
    size_t m = stream_len(n, t);
    if (m == 0) {
      size[t][P_RLE] = SIZE_MAX; /* an empty stream is written as PFOR: nothing */
    } else {
      choose_width(m, &s[t]);
      size[t][P_PFOR] += s[t].pfor_bytes;
    }
    if (size[t][P_PFOR] < best_pfor) best_pfor = size[t][P_PFOR];
  }
  /* RLE is sized exactly only where its lower bound could beat the best PFOR */
  for (int t = 0; t < N_TRANSFORMS; t++) {
    size_t m = stream_len(n, t);
    if (m == 0) continue;
    size_t lower = header[t] + rle_lower_bound(&s[t]);
    size_t rle = lower < best_pfor ? rle_size(v, m, t, s[t].runs, best_pfor - header[t]) : SIZE_MAX;
    size[t][P_RLE] = rle == SIZE_MAX ? SIZE_MAX : header[t] + rle;
  }
  int best_t = T_PLAIN, best_p = P_PFOR;
  for (int t = 0; t < N_TRANSFORMS; t++)
    for (int p = 0; p < 2; p++)
      if (size[t][p] < size[best_t][best_p]) best_t = t, best_p = p;

  const size_t start = out->len;
  const size_t m = stream_len(n, best_t);
  gp_rc rc = gp_buf_reserve(out, 1 + size[best_t][best_p] + 8);
  if (rc != GP_OK) goto fail;
  if ((rc = gp_buf_put_u8(out, (uint8_t)(best_t | best_p << 2))) != GP_OK) goto fail;
  if (best_t != T_PLAIN && n >= 1 && (rc = gp_buf_put_svarint(out, vi[0])) != GP_OK) goto fail;
  if (best_t == T_DOD && n >= 2 &&
      (rc = gp_buf_put_svarint(out, (int64_t)(v[1] - v[0]))) != GP_OK)
    goto fail;
  if (m > 0) {
    rc = best_p == P_PFOR ? put_pfor(v, m, best_t, &s[best_t], out)
                          : put_rle(v, m, best_t, s[best_t].runs, out);
    if (rc != GP_OK) goto fail;
  }
  return GP_OK;
fail:
  out->len = start; /* leave no half-written column behind */
  return rc;
}

/* Reads the bits of value j (b in 1..64) when fewer than 16 bytes may remain: byte-wise so it
 * never touches a byte past the block. */
static uint64_t get_bits_tail(const uint8_t *p, size_t j, unsigned b) {
  uint64_t bit = (uint64_t)j * b;
  const uint8_t *q = p + (bit >> 3);
  unsigned sh = (unsigned)(bit & 7);
  unsigned nbytes = (sh + b + 7) / 8; /* 1..9 */
  uint64_t x = 0;
  for (unsigned k = 0; k < nbytes && k < 8; k++) x |= (uint64_t)q[k] << (8 * k);
  x >>= sh;
  if (nbytes == 9) x |= (uint64_t)q[8] << (64 - sh);
  return x & low_mask(b);
}

/* Eight values of width B (1..57) start at byte g*B of the block; each is one unaligned 64-bit
 * load at a constant byte offset and shift, which the compiler fully specialises per B. */
GP_INLINE void unpack_groups(const uint8_t *src, size_t ngroups, uint64_t *out, uint64_t base,
                             const unsigned B) {
  const uint64_t mask = low_mask(B);
  for (size_t g = 0; g < ngroups; g++) {
    const uint8_t *p = src + g * B;
    uint64_t *o = out + g * 8;
#define GP_UNPACK1(k) o[k] = base + ((ld64le(p + ((k) * B) / 8) >> (((k) * B) % 8)) & mask)
    GP_UNPACK1(0);
    GP_UNPACK1(1);
    GP_UNPACK1(2);
    GP_UNPACK1(3);
    GP_UNPACK1(4);
    GP_UNPACK1(5);
    GP_UNPACK1(6);
    GP_UNPACK1(7);
#undef GP_UNPACK1
  }
}

/* Widths 58..63 do not fit one shifted 64-bit load; they come from random-looking data where
 * decode speed matters less, so two loads per value. */
static void unpack_wide(const uint8_t *src, size_t m, uint64_t *out, uint64_t base, unsigned b) {
  const uint64_t mask = low_mask(b);
  for (size_t j = 0; j < m; j++) {
    uint64_t bit = (uint64_t)j * b;
    const uint8_t *q = src + (bit >> 3);
    unsigned sh = (unsigned)(bit & 7);
    uint64_t x = ld64le(q) >> sh;
    if (sh) x |= ld64le(q + 8) << (64 - sh);
    out[j] = base + (x & mask);
  }
}

/* Unpacks m values of width b (1..64) from a block the caller has checked to lie within the
 * `avail` readable bytes; the fast paths may read past the block's end up to avail, and the
 * last few values, whose 64-bit loads would cross avail, are read byte-wise. */
static void unpack(const uint8_t *src, size_t avail, size_t m, unsigned b, uint64_t base,
                   uint64_t *out) {
  size_t done = 0;
  if (b == 64) {
    for (size_t j = 0; j < m; j++) out[j] = base + ld64le(src + 8 * j);
    return;
  }
  if (b <= 57) {
    /* group g reads bytes below g*b + b + 8 */
    size_t ngroups = avail >= 8 + b ? (avail - 8) / b : 0;
    if (ngroups > m / 8) ngroups = m / 8;
    switch (b) {
#define GP_UNPACK_CASE(B) \
  case B: unpack_groups(src, ngroups, out, base, B); break;
      GP_UNPACK_CASE(1) GP_UNPACK_CASE(2) GP_UNPACK_CASE(3) GP_UNPACK_CASE(4)
      GP_UNPACK_CASE(5) GP_UNPACK_CASE(6) GP_UNPACK_CASE(7) GP_UNPACK_CASE(8)
      GP_UNPACK_CASE(9) GP_UNPACK_CASE(10) GP_UNPACK_CASE(11) GP_UNPACK_CASE(12)
      GP_UNPACK_CASE(13) GP_UNPACK_CASE(14) GP_UNPACK_CASE(15) GP_UNPACK_CASE(16)
      GP_UNPACK_CASE(17) GP_UNPACK_CASE(18) GP_UNPACK_CASE(19) GP_UNPACK_CASE(20)
      GP_UNPACK_CASE(21) GP_UNPACK_CASE(22) GP_UNPACK_CASE(23) GP_UNPACK_CASE(24)
      GP_UNPACK_CASE(25) GP_UNPACK_CASE(26) GP_UNPACK_CASE(27) GP_UNPACK_CASE(28)
      GP_UNPACK_CASE(29) GP_UNPACK_CASE(30) GP_UNPACK_CASE(31) GP_UNPACK_CASE(32)
      GP_UNPACK_CASE(33) GP_UNPACK_CASE(34) GP_UNPACK_CASE(35) GP_UNPACK_CASE(36)
      GP_UNPACK_CASE(37) GP_UNPACK_CASE(38) GP_UNPACK_CASE(39) GP_UNPACK_CASE(40)
      GP_UNPACK_CASE(41) GP_UNPACK_CASE(42) GP_UNPACK_CASE(43) GP_UNPACK_CASE(44)
      GP_UNPACK_CASE(45) GP_UNPACK_CASE(46) GP_UNPACK_CASE(47) GP_UNPACK_CASE(48)
      GP_UNPACK_CASE(49) GP_UNPACK_CASE(50) GP_UNPACK_CASE(51) GP_UNPACK_CASE(52)
      GP_UNPACK_CASE(53) GP_UNPACK_CASE(54) GP_UNPACK_CASE(55) GP_UNPACK_CASE(56)
      GP_UNPACK_CASE(57)
#undef GP_UNPACK_CASE
      default: break;
    }
    done = ngroups * 8;
  } else {
    /* value j reads bytes below (j*b)/8 + 16 */
    size_t safe = avail >= 16 ? ((avail - 16) * 8) / b : 0;
    if (safe > m) safe = m;
    unpack_wide(src, safe, out, base, b);
    done = safe;
  }
  for (size_t j = done; j < m; j++) out[j] = base + get_bits_tail(src, j, b);
}

/* The header of a PFOR stream of m values (minimum, bit width, exception count), checked
 * against the bytes left: the packed block of m * b bits must follow. */
static gp_rc pfor_header(gp_rd *in, size_t m, int64_t *mn, uint8_t *b, uint64_t *nexc,
                         gp_err *err) {
  if (gp_rd_svarint(in, mn, err) != GP_OK || gp_rd_u8(in, b, err) != GP_OK ||
      gp_rd_uvarint(in, nexc, err) != GP_OK)
    return GP_CORRUPT;
  if (*b > 64) return gp_err_set(err, GP_CORRUPT, "corrupt int column: bit width %u > 64", *b);
  if (*nexc > m) return corrupt(err, "more exceptions than values");
  if (*b == 64 && *nexc) return corrupt(err, "exceptions at bit width 64");
  size_t avail = (size_t)(in->end - in->p);
  if (*b && m > (avail * 8) / *b)
    return gp_err_set(err, GP_CORRUPT, "truncated int column: %zu values of %u bits, %zu bytes",
                      m, *b, avail);
  return GP_OK;
}

static gp_rc get_pfor(gp_rd *in, size_t m, uint64_t *out, gp_err *err) {
  int64_t mn;
  uint8_t b;
  uint64_t nexc;
  if (pfor_header(in, m, &mn, &b, &nexc, err) != GP_OK) return GP_CORRUPT;
  size_t avail = (size_t)(in->end - in->p);
  size_t block = (size_t)(((uint64_t)m * b + 7) / 8);
  if (b == 0) {
    for (size_t j = 0; j < m; j++) out[j] = (uint64_t)mn;
  } else {
    unpack(in->p, avail, m, b, (uint64_t)mn, out);
  }
  in->p += block;
  size_t pos = 0; /* position the next gap counts from */
  for (uint64_t e = 0; e < nexc; e++) {
    uint64_t gap, high;
    /* most gaps and high parts fit one byte: read those inline */
    if (in->end - in->p >= 2 && !((in->p[0] | in->p[1]) & 0x80)) {
      gap = in->p[0];
      high = in->p[1];
      in->p += 2;
    } else if (gp_rd_uvarint(in, &gap, err) != GP_OK || gp_rd_uvarint(in, &high, err) != GP_OK) {
      return GP_CORRUPT;
    }
    if (gap >= m - pos) return corrupt(err, "exception index >= n");
    pos += (size_t)gap;
    if (b && high >> (64 - b)) return corrupt(err, "exception wider than 64 bits");
    out[pos] += high << b;
    pos++;
  }
  return GP_OK;
}

static gp_rc get_rle(gp_rd *in, size_t m, uint64_t *out, gp_err *err) {
  uint64_t runs;
  if (gp_rd_uvarint(in, &runs, err) != GP_OK) return GP_CORRUPT;
  if (runs == 0 || runs > m) return corrupt(err, "run count inconsistent with n");
  size_t filled = 0;
  for (uint64_t r = 0; r < runs; r++) {
    int64_t val;
    uint64_t lenm1;
    if (gp_rd_svarint(in, &val, err) != GP_OK || gp_rd_uvarint(in, &lenm1, err) != GP_OK)
      return GP_CORRUPT;
    if (lenm1 >= m - filled) return corrupt(err, "run lengths exceed n");
    for (size_t k = 0; k <= lenm1; k++) out[filled + k] = (uint64_t)val;
    filled += (size_t)lenm1 + 1;
  }
  if (filled != m) return corrupt(err, "run lengths do not sum to n");
  return GP_OK;
}

/* Decodes into vi[0..n) the values times g plus base (wrapping): the common-factor layer is
 * applied in the pass that undoes the delta transform, not in a pass of its own (decoding
 * second-resolution timestamps of CityBench's events, the separate pass was a third of the
 * column's decode). g = 1, base = 0 for the plain codec. */
static gp_rc ints_decode(gp_rd *in, size_t n, int64_t *vi, uint8_t tag, uint64_t g,
                         uint64_t base, gp_err *err) {
  uint64_t *v = (uint64_t *)vi;
  int t = tag & 3, p = tag >> 2;
  if (t > T_DOD || p > P_RLE)
    return gp_err_set(err, GP_CORRUPT, "corrupt int column: unknown tag 0x%02x", tag);
  if (n > CODEC_MAX_N) return corrupt(err, "row count too large");
  if (t != T_PLAIN && n >= 1) {
    int64_t first;
    if (gp_rd_svarint(in, &first, err) != GP_OK) return GP_CORRUPT;
    v[0] = (uint64_t)first;
  }
  uint64_t d1 = 0;
  if (t == T_DOD && n >= 2) {
    int64_t d;
    if (gp_rd_svarint(in, &d, err) != GP_OK) return GP_CORRUPT;
    d1 = (uint64_t)d;
  }
  size_t m = stream_len(n, t);
  if (m > 0) {
    uint64_t *dst = v + t; /* the stream lands where its inverse transform consumes it */
    gp_rc rc = p == P_PFOR ? get_pfor(in, m, dst, err) : get_rle(in, m, dst, err);
    if (rc != GP_OK) return rc;
  }
  if (t == T_DELTA && n >= 1) {
    uint64_t acc = v[0];
    if (g == 1 && base == 0) {
      for (size_t i = 1; i < n; i++) v[i] = acc += v[i];
    } else {
      v[0] = base + acc * g;
      for (size_t i = 1; i < n; i++) {
        acc += v[i];
        v[i] = base + acc * g;
      }
    }
    return GP_OK;
  }
  if (t == T_DOD && n >= 2) {
    uint64_t acc = v[0] + d1, d = d1;
    v[1] = acc;
    for (size_t i = 2; i < n; i++) {
      d += v[i];
      v[i] = acc += d;
    }
  }
  if (g != 1 || base != 0)
    for (size_t i = 0; i < n; i++) v[i] = base + v[i] * g;
  return GP_OK;
}

/* ================================ DOUBLES ================================================== */

enum { D_SCALED = 0, D_XOR = 1 };

static const double pow10_tab[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
#define TWO53 9007199254740992.0

GP_INLINE uint64_t dbits(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}

GP_INLINE double bitsd(uint64_t u) {
  double d;
  memcpy(&d, &u, 8);
  return d;
}

/* llround for |s| < 2^53 without the libm call: truncation and the remaining fraction are
 * both exact there, so rounding half away from zero is one compare each way. */
GP_INLINE int64_t round_half_away(double s) {
  int64_t r = (int64_t)s;
  double f = s - (double)r;
  return r + (f >= 0.5) - (f <= -0.5);
}

/* k with (double)k / 10^d == v exactly, or false. */
GP_INLINE bool scale_exact(double v, unsigned d, int64_t *k) {
  double s = v * pow10_tab[d];
  if (!(fabs(s) < TWO53)) return false;
  int64_t r = round_half_away(s);
  *k = r;
  return dbits((double)r / pow10_tab[d]) == dbits(v); /* bits, so -0.0 does not pass as 0.0 */
}

/* The smallest d for which every value scales exactly, with the scaled values in k; or -1.
 * A value that needs a larger d raises d and restarts the pass, so every k is checked at the
 * final d (an exact k at d almost always gives an exact 10k at d+1, but not provably). At most
 * ten passes, and in practice the first few values settle d. */
static int scale_all(const double *v, size_t n, int64_t *k) {
  unsigned d = 0;
  for (size_t i = 0; i < n; i++) {
    if (scale_exact(v[i], d, &k[i])) continue;
    double x = v[i];
    if (!isfinite(x)) return -1;
    do
      if (++d > 9) return -1;
    while (!scale_exact(x, d, &k[i]));
    i = (size_t)-1; /* restart: earlier values were checked at the smaller d */
  }
  return (int)d;
}

typedef struct bitw {
  uint8_t *p;   /* next whole word to write */
  uint64_t acc; /* pending bits */
  unsigned nb;  /* number of pending bits, < 64 */
} bitw;

/* Appends the low k bits of x (k in 1..64, x < 2^k). */
GP_INLINE void bw_put(bitw *w, uint64_t x, unsigned k) {
  w->acc |= x << w->nb;
  if (w->nb + k >= 64) {
    st64le(w->p, w->acc);
    w->p += 8;
    unsigned used = 64 - w->nb;
    w->acc = used < 64 ? x >> used : 0;
    w->nb = w->nb + k - 64;
  } else {
    w->nb += k;
  }
}

static gp_rc put_xor(const double *v, size_t n, gp_buf *out) {
  /* worst case 78 bits a value */
  gp_rc rc = gp_buf_reserve(out, n * 10 + 16);
  if (rc != GP_OK) return rc;
  if (n == 0) return GP_OK;
  uint8_t *base = out->p + out->len;
  bitw w = {base, 0, 0};
  uint64_t prev = dbits(v[0]);
  bw_put(&w, prev, 64);
  unsigned wlz = 65, wtz = 65, wlen = 0; /* no window yet: nothing fits */
  for (size_t i = 1; i < n; i++) {
    uint64_t cur = dbits(v[i]);
    uint64_t x = cur ^ prev;
    prev = cur;
    if (x == 0) {
      bw_put(&w, 0, 1);
      continue;
    }
    unsigned lz = (unsigned)__builtin_clzll(x), tz = (unsigned)__builtin_ctzll(x);
    if (lz >= wlz && tz >= wtz) {
      bw_put(&w, 1, 2);
      bw_put(&w, x >> wtz, wlen);
    } else {
      unsigned len = 64 - lz - tz;
      bw_put(&w, 3u | lz << 2 | (len - 1) << 8, 14);
      bw_put(&w, x >> tz, len);
      wlz = lz, wtz = tz, wlen = len;
    }
  }
  if (w.nb) st64le(w.p, w.acc);
  out->len += (size_t)(w.p - base) + (w.nb + 7) / 8;
  return GP_OK;
}

gp_rc gp_codec_doubles_encode(const double *v, size_t n, gp_buf *out) {
  if (n > CODEC_MAX_N) return GP_INVALID;
  const size_t start = out->len;
  gp_rc rc;
  int64_t *k = GP_MALLOC(n ? n * sizeof *k : 1);
  if (k == NULL) return GP_NOMEM;
  int d = scale_all(v, n, k);
  if (d >= 0) {
    if ((rc = gp_buf_put_u8(out, D_SCALED)) != GP_OK) goto cleanup_k;
    if ((rc = gp_buf_put_u8(out, (uint8_t)d)) != GP_OK) goto cleanup_k;
    rc = gp_codec_ints_encode(k, n, out);
  } else {
    if ((rc = gp_buf_put_u8(out, D_XOR)) != GP_OK) goto cleanup_k;
    rc = put_xor(v, n, out);
  }
cleanup_k:
  GP_FREE(k);
  if (rc != GP_OK) out->len = start;
  return rc;
}

typedef struct bitr {
  const uint8_t *p; /* stream start */
  size_t len;       /* bytes that may be read */
  uint64_t pos;     /* next bit */
} bitr;

/* At least 57 bits from pos; bits past the end read as zero (the caller checks pos at the end,
 * so a stream that runs short is reported, never read past). */
GP_INLINE uint64_t br_peek(const bitr *r) {
  uint64_t byte = r->pos >> 3;
  unsigned sh = (unsigned)(r->pos & 7);
  if (byte + 8 <= r->len) return ld64le(r->p + byte) >> sh;
  uint64_t x = 0;
  for (uint64_t k = 0; byte + k < r->len && k < 8; k++) x |= (uint64_t)r->p[byte + k] << (8 * k);
  return x >> sh;
}

/* k bits (1..64). */
GP_INLINE uint64_t br_get(bitr *r, unsigned k) {
  if (k <= 57) {
    uint64_t x = br_peek(r) & low_mask(k);
    r->pos += k;
    return x;
  }
  uint64_t lo = br_peek(r) & 0xffffffffu;
  r->pos += 32;
  uint64_t hi = br_peek(r) & low_mask(k - 32);
  r->pos += k - 32;
  return lo | hi << 32;
}

static gp_rc get_xor(gp_rd *in, size_t n, double *v, gp_err *err) {
  if (n == 0) return GP_OK;
  bitr r = {in->p, (size_t)(in->end - in->p), 0};
  uint64_t prev = br_get(&r, 64);
  v[0] = bitsd(prev);
  unsigned wtz = 0, wlen = 0; /* wlen 0: no window yet */
  for (size_t i = 1; i < n; i++) {
    uint64_t c = br_peek(&r);
    if (!(c & 1)) {
      r.pos += 1;
    } else if (!(c & 2)) {
      if (wlen == 0) return corrupt(err, "XOR value reuses a window before one was set");
      r.pos += 2;
      prev ^= br_get(&r, wlen) << wtz;
    } else {
      unsigned lz = (unsigned)(c >> 2) & 63, len = ((unsigned)(c >> 8) & 63) + 1;
      if (lz + len > 64) return corrupt(err, "XOR window wider than 64 bits");
      wtz = 64 - lz - len;
      wlen = len;
      r.pos += 14;
      prev ^= br_get(&r, len) << wtz;
    }
    v[i] = bitsd(prev);
    if (r.pos > (uint64_t)r.len * 8) break; /* ran short: stop, reported below */
  }
  if (r.pos > (uint64_t)r.len * 8) return corrupt(err, "truncated XOR stream");
  in->p += (r.pos + 7) / 8;
  return GP_OK;
}

gp_rc gp_codec_doubles_decode(gp_rd *in, size_t n, double *v, gp_err *err) {
  uint8_t tag;
  if (gp_rd_u8(in, &tag, err) != GP_OK) return GP_CORRUPT;
  if (n > CODEC_MAX_N) return corrupt(err, "row count too large");
  if (tag == D_XOR) return get_xor(in, n, v, err);
  if (tag != D_SCALED)
    return gp_err_set(err, GP_CORRUPT, "corrupt double column: unknown tag 0x%02x", tag);
  uint8_t d;
  if (gp_rd_u8(in, &d, err) != GP_OK) return GP_CORRUPT;
  if (d > 9) return gp_err_set(err, GP_CORRUPT, "corrupt double column: scale %u > 9", d);
  int64_t *k = GP_MALLOC(n ? n * sizeof *k : 1);
  if (k == NULL) return gp_err_set(err, GP_NOMEM, "out of memory decoding %zu doubles", n);
  gp_rc rc = gp_codec_ints_decode(in, n, k, err);
  if (rc == GP_OK) {
    const double p = pow10_tab[d];
    for (size_t i = 0; i < n; i++) v[i] = (double)k[i] / p;
  }
  GP_FREE(k);
  return rc;
}

/* ================================ BITS ===================================================== */

enum { B_ZERO = 0, B_ONE = 1, B_RAW = 2 };

gp_rc gp_codec_bits_encode(const uint8_t *bits, size_t n, gp_buf *out) {
  size_t full = n / 8, rest = n % 8;
  uint8_t last_mask = (uint8_t)((1u << rest) - 1);
  uint8_t or_ = 0, and_ = 0xff;
  for (size_t i = 0; i < full; i++) or_ |= bits[i], and_ &= bits[i];
  if (rest) {
    or_ |= bits[full] & last_mask;
    and_ &= (uint8_t)(bits[full] | ~last_mask);
  }
  if (or_ == 0) return gp_buf_put_u8(out, B_ZERO);
  if (and_ == 0xff) return gp_buf_put_u8(out, B_ONE);
  gp_rc rc = gp_buf_reserve(out, 1 + full + 1);
  if (rc != GP_OK) return rc;
  gp_buf_put_u8(out, B_RAW); /* cannot fail after the reserve */
  gp_buf_put(out, bits, full);
  if (rest) gp_buf_put_u8(out, bits[full] & last_mask); /* unused bits zero: one encoding */
  return GP_OK;
}

gp_rc gp_codec_bits_decode(gp_rd *in, size_t n, uint8_t *bits, gp_err *err) {
  uint8_t tag;
  if (gp_rd_u8(in, &tag, err) != GP_OK) return GP_CORRUPT;
  size_t bytes = n / 8 + (n % 8 != 0);
  if (tag == B_ZERO || tag == B_ONE) {
    memset(bits, tag == B_ZERO ? 0 : 0xff, bytes);
    if (n % 8) bits[bytes - 1] &= (uint8_t)((1u << (n % 8)) - 1);
    return GP_OK;
  }
  if (tag != B_RAW)
    return gp_err_set(err, GP_CORRUPT, "corrupt bitmap: unknown tag 0x%02x", tag);
  const uint8_t *src;
  if (gp_rd_slice(in, bytes, &src, err) != GP_OK) return GP_CORRUPT;
  if (n % 8 && (src[bytes - 1] >> (n % 8)))
    return corrupt(err, "bitmap has bits set past n");
  memcpy(bits, src, bytes);
  return GP_OK;
}

/* ================================ STRINGS ================================================== */

gp_rc gp_codec_strings_encode(const char *const *s, const uint32_t *len, size_t n, gp_buf *out) {
  if (n > CODEC_MAX_N) return GP_INVALID;
  const size_t start = out->len;
  int64_t *lens = GP_MALLOC(n ? n * sizeof *lens : 1);
  if (lens == NULL) return GP_NOMEM;
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    lens[i] = len[i];
    total += len[i];
  }
  gp_rc rc = gp_codec_ints_encode(lens, n, out);
  if (rc != GP_OK) goto cleanup_lens;
  if ((rc = gp_buf_reserve(out, total)) != GP_OK) goto cleanup_lens;
  for (size_t i = 0; i < n; i++) {
    if (len[i]) memcpy(out->p + out->len, s[i], len[i]);
    out->len += len[i];
  }
cleanup_lens:
  GP_FREE(lens);
  if (rc != GP_OK) out->len = start;
  return rc;
}

gp_rc gp_codec_strings_decode(gp_rd *in, size_t n, const char **out, uint32_t *len, gp_err *err) {
  if (n > CODEC_MAX_N) return corrupt(err, "row count too large");
  int64_t *lens = GP_MALLOC(n ? n * sizeof *lens : 1);
  if (lens == NULL) return gp_err_set(err, GP_NOMEM, "out of memory decoding %zu strings", n);
  gp_rc rc = gp_codec_ints_decode(in, n, lens, err);
  if (rc != GP_OK) goto cleanup_lens;
  size_t avail = (size_t)(in->end - in->p), total = 0;
  for (size_t i = 0; i < n; i++) {
    if (lens[i] < 0 || lens[i] > UINT32_MAX) {
      rc = corrupt(err, "string length out of range");
      goto cleanup_lens;
    }
    if ((uint64_t)lens[i] > avail - total) {
      rc = gp_err_set(err, GP_CORRUPT, "truncated string column: string %zu of %zu", i, n);
      goto cleanup_lens;
    }
    total += (size_t)lens[i];
  }
  const char *p = (const char *)in->p;
  for (size_t i = 0; i < n; i++) {
    out[i] = p;
    len[i] = (uint32_t)lens[i];
    p += lens[i];
  }
  in->p += total;
cleanup_lens:
  GP_FREE(lens);
  return rc;
}

/* ---- common factor ----
 * Timestamps are microseconds but most sources stamp whole seconds, and scaled decimals often
 * move in steps of 5 or 10: when every v[i] - v[0] is a multiple of some g > 1, the values are
 * written as v[0], g and the ints codec of w[i] = (v[i] - v[0]) / g, which saves log2(g) bits
 * a value (20 bits for second-resolution timestamps).
 *
 *   byte 0   0x80 (a tag no plain encoding uses)
 *   svarint  v[0]
 *   uvarint  g (>= 2)
 *   then     the ints encoding (without another 0x80 layer) of w[0..n), w[0] = 0
 *
 *   Example: 1000000 3000000 4000000 -> 80 | 80 89 7a | c0 84 3d | <ints of 0 2 3>
 *   (svarint 1000000 = zigzag 2000000 = 80 89 7a; uvarint 1000000 = c0 84 3d). */

#define TAG_FACTOR 0x80

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

gp_rc gp_codec_ints_encode(const int64_t *v, size_t n, gp_buf *out) {
  if (n > CODEC_MAX_N) return GP_INVALID;
  uint64_t g = 0;
  for (size_t i = 1; i < n; i++) {
    int64_t d;
    if (__builtin_sub_overflow(v[i], v[0], &d) || d == INT64_MIN) {
      g = 1;
      break;
    }
    uint64_t a = (uint64_t)(d < 0 ? -d : d);
    if (a) g = gcd_u64(g, a);
    if (g == 1) break;
  }
  if (g < 2) return ints_encode(v, n, out);
  /* Both forms are priced by writing them; the factored one is kept only when smaller. */
  size_t mark = out->len;
  gp_rc rc = ints_encode(v, n, out);
  if (rc != GP_OK) return rc;
  int64_t *w = GP_MALLOC(n * sizeof *w);
  gp_buf alt = {0};
  if (!w) return GP_OK;
  for (size_t i = 0; i < n; i++) w[i] = (v[i] - v[0]) / (int64_t)g;
  if (gp_buf_put_u8(&alt, TAG_FACTOR) == GP_OK && gp_buf_put_svarint(&alt, v[0]) == GP_OK &&
      gp_buf_put_uvarint(&alt, g) == GP_OK && ints_encode(w, n, &alt) == GP_OK &&
      alt.len < out->len - mark) {
    out->len = mark;
    rc = gp_buf_put(out, alt.p, alt.len);
  }
  gp_buf_free(&alt);
  GP_FREE(w);
  return rc;
}

/* After a TAG_FACTOR byte: the base, the factor (>= 2) and the inner stream's tag. */
static gp_rc read_factor(gp_rd *in, int64_t *base, uint64_t *g, uint8_t *tag, gp_err *err) {
  if (gp_rd_svarint(in, base, err) != GP_OK || gp_rd_uvarint(in, g, err) != GP_OK)
    return GP_CORRUPT;
  if (*g < 2) return gp_err_set(err, GP_CORRUPT, "corrupt int column: common factor %llu",
                                (unsigned long long)*g);
  if (gp_rd_u8(in, tag, err) != GP_OK) return GP_CORRUPT;
  if (*tag == TAG_FACTOR)
    return gp_err_set(err, GP_CORRUPT, "corrupt int column: nested common factor");
  return GP_OK;
}

gp_rc gp_codec_ints_decode(gp_rd *in, size_t n, int64_t *v, gp_err *err) {
  uint8_t tag;
  if (gp_rd_u8(in, &tag, err) != GP_OK) return GP_CORRUPT;
  if (tag != TAG_FACTOR) return ints_decode(in, n, v, tag, 1, 0, err);
  int64_t base;
  uint64_t g;
  if (read_factor(in, &base, &g, &tag, err) != GP_OK) return GP_CORRUPT;
  /* wrapping arithmetic: the encoder's values were exact, anything else is merely wrong */
  return ints_decode(in, n, v, tag, g, (uint64_t)base, err) != GP_OK ? GP_CORRUPT : GP_OK;
}

/* Reads past one ints stream of n values without decoding it: the same checks as decoding
 * (truncation, bounds of every field) minus the values themselves. */
gp_rc gp_codec_ints_skip(gp_rd *in, size_t n, gp_err *err) {
  uint8_t tag;
  if (gp_rd_u8(in, &tag, err) != GP_OK) return GP_CORRUPT;
  if (tag == TAG_FACTOR) {
    int64_t base;
    uint64_t g;
    if (read_factor(in, &base, &g, &tag, err) != GP_OK) return GP_CORRUPT;
  }
  int t = tag & 3, p = tag >> 2;
  if (t > T_DOD || p > P_RLE)
    return gp_err_set(err, GP_CORRUPT, "corrupt int column: unknown tag 0x%02x", tag);
  if (n > CODEC_MAX_N) return corrupt(err, "row count too large");
  int64_t x;
  if (t != T_PLAIN && n >= 1 && gp_rd_svarint(in, &x, err) != GP_OK) return GP_CORRUPT;
  if (t == T_DOD && n >= 2 && gp_rd_svarint(in, &x, err) != GP_OK) return GP_CORRUPT;
  size_t m = stream_len(n, t);
  if (m == 0) return GP_OK;
  if (p == P_RLE) {
    uint64_t runs, filled = 0, len;
    if (gp_rd_uvarint(in, &runs, err) != GP_OK) return GP_CORRUPT;
    if (runs == 0 || runs > m) return corrupt(err, "run count inconsistent with n");
    for (uint64_t r = 0; r < runs; r++) {
      if (gp_rd_svarint(in, &x, err) != GP_OK || gp_rd_uvarint(in, &len, err) != GP_OK)
        return GP_CORRUPT;
      if (len >= m - filled) return corrupt(err, "run lengths exceed n");
      filled += len + 1;
    }
    return filled == m ? GP_OK : corrupt(err, "run lengths do not sum to n");
  }
  uint8_t b;
  uint64_t nexc, gap, high;
  if (pfor_header(in, m, &x, &b, &nexc, err) != GP_OK) return GP_CORRUPT;
  in->p += (size_t)(((uint64_t)m * b + 7) / 8);
  size_t pos = 0;
  for (uint64_t e = 0; e < nexc; e++) {
    if (gp_rd_uvarint(in, &gap, err) != GP_OK || gp_rd_uvarint(in, &high, err) != GP_OK)
      return GP_CORRUPT;
    if (gap >= m - pos) return corrupt(err, "exception index >= n");
    pos += (size_t)gap + 1;
  }
  return GP_OK;
}

/* The values at positions sel[0..m) (ascending, below n) of one ints stream, into v[0..m).
 * A plain PFOR stream (cells, dictionary indexes) is read at those positions only, its
 * exceptions merged in order; any other layout is decoded whole into scratch[0..n) and
 * gathered. */
gp_rc gp_codec_ints_gather(gp_rd *in, size_t n, const uint32_t *sel, size_t m, int64_t *v,
                           int64_t *scratch, gp_err *err) {
  if (in->p >= in->end) return gp_codec_ints_decode(in, n, scratch, err); /* reports it */
  if (*in->p == TAG_FACTOR) {
    /* the factor is applied to the gathered values only (timestamps: base + k * 10^6) */
    in->p++;
    int64_t base;
    uint64_t g;
    uint8_t tag;
    if (read_factor(in, &base, &g, &tag, err) != GP_OK ||
        ints_decode(in, n, scratch, tag, 1, 0, err) != GP_OK)
      return GP_CORRUPT;
    for (size_t s = 0; s < m; s++)
      v[s] = (int64_t)((uint64_t)base + (uint64_t)scratch[sel[s]] * g);
    return GP_OK;
  }
  if (*in->p != (T_PLAIN | P_PFOR << 2) || n == 0) {
    if (gp_codec_ints_decode(in, n, scratch, err) != GP_OK) return GP_CORRUPT;
    for (size_t s = 0; s < m; s++) v[s] = scratch[sel[s]];
    return GP_OK;
  }
  in->p++;
  int64_t mn;
  uint8_t b;
  uint64_t nexc;
  if (n > CODEC_MAX_N) return corrupt(err, "row count too large");
  if (pfor_header(in, n, &mn, &b, &nexc, err) != GP_OK) return GP_CORRUPT;
  size_t avail = (size_t)(in->end - in->p);
  const uint8_t *blk = in->p;
  /* value j's bits lie in the bytes below (j*b)/8 + 9; one unaligned load serves widths up
   * to 57 when 8 bytes from its first byte are readable, i.e. for j below jfast */
  size_t s = 0;
  if (b == 0) {
    for (; s < m; s++) v[s] = mn;
  } else if (b <= 57) {
    size_t jfast = avail >= 8 ? (avail - 8) * 8 / b + 1 : 0;
    uint64_t mask = low_mask(b);
    for (; s < m && sel[s] < jfast; s++) {
      uint64_t bit = (uint64_t)sel[s] * b;
      v[s] = (int64_t)((uint64_t)mn + (ld64le(blk + (bit >> 3)) >> (bit & 7) & mask));
    }
  }
  for (; s < m; s++) v[s] = (int64_t)((uint64_t)mn + get_bits_tail(blk, sel[s], b));
  in->p += (size_t)(((uint64_t)n * b + 7) / 8);
  size_t pos = 0;
  s = 0;
  for (uint64_t e = 0; e < nexc; e++) {
    uint64_t gap, high;
    if (gp_rd_uvarint(in, &gap, err) != GP_OK || gp_rd_uvarint(in, &high, err) != GP_OK)
      return GP_CORRUPT;
    if (gap >= n - pos) return corrupt(err, "exception index >= n");
    pos += (size_t)gap;
    if (b && high >> (64 - b)) return corrupt(err, "exception wider than 64 bits");
    while (s < m && sel[s] < pos) s++;
    if (s < m && sel[s] == pos) v[s] = (int64_t)((uint64_t)v[s] + (high << b));
    pos++;
  }
  return GP_OK;
}
