// RUN: licc-opt %s -t 'hls-cpp{library=false}' | filecheck %s
// RUN: licc-opt %s -t hls-cpp > %t.1 && licc-opt %s -t hls-cpp > %t.2 && diff %t.1 %t.2

// The hls-cpp target: one folder per part. Each stage gets a configuration
// struct and a function running its library kernel; weight memories are laid
// out w[fold * steps + step][pe][simd] and partitioned by PE and SIMD; the
// products of MVAUs, transposed convolutions and GDN (its norm and its x
// path) are bound to DSPs or LUTs by the stage's mult_impl. A beat carries
// LANES channels of PIXELS pixels: licc::vec<T, LANES * PIXELS>. The top
// function is a DATAFLOW region with AXI4-Stream ports and one hls::stream
// per internal stream, at its FIFO depth. Part and clock come from the
// design's device (lic.hw). Emitting twice gives the same bytes.

// CHECK-LABEL: // ===== design/stages/a.h =====
// CHECK: static const int LANES = 2, PIXELS = 1, CH = 4, BEATS = 72;
// CHECK: static const char *stage() { return "design/a"; }
// CHECK: licc::pointwise<a_cfg>(in, out);

// The window generator emits 4 elements of each of 3 output pixels per beat (its MVAU's SIMD x MMV).
// CHECK-LABEL: // ===== design/stages/w.h =====
// CHECK: #include "licc/window.h"
// CHECK: struct w_cfg {
// CHECK-NEXT: typedef licc::uint_t<8> T;
// CHECK-NEXT: static const int CIN = 4, H = 6, W = 6, KH = 3, KW = 3;
// CHECK-NEXT: static const int SH = 2, SW = 2, PH = 1, PW = 1, HO = 3, WO = 3;
// CHECK-NEXT: static const int IN_LANES = 2, IN_PIXELS = 1;
// CHECK-NEXT: static const int SIMD = 4, MMV = 3;
// CHECK-NEXT: static const int RING = 5, ITERS = 81;
// CHECK: inline void w(hls::stream<licc::vec<licc::uint_t<8>, 2> > &in, hls::stream<licc::vec<licc::uint_t<8>, 12> > &out) {
// CHECK: licc::window<w_cfg>(in, out);

// CHECK-LABEL: // ===== design/stages/c.h =====
// CHECK: #include "licc/mvau.h"
// CHECK-NEXT: #include "../weights/c.h"
// CHECK: typedef licc::int_t<20> acc_t;
// CHECK: static const int PE = 1, SIMD = 4, MMV = 3, NF = 2, SF = 9, GROUPS = 3;
// The fold's 3 lanes share one epilogue unit, each beat leaving 3 cycles after its fold.
// CHECK-NEXT: static const int EPI = 1, LAG = 3;
// CHECK-NEXT: static acc_t bias(int o) { return acc_t(c_b[o]); }
// CHECK-NEXT: static acc_t mul(w_t w, in_t x) {
// CHECK-NEXT: const acc_t p = licc::mul<acc_t>(w, x);
// CHECK-NEXT: #pragma HLS BIND_OP variable = p op = mul impl = fabric
// CHECK-NEXT: return p;
// CHECK: static out_t epilogue(acc_t acc, int o) {
// CHECK-NEXT: const licc::int_t<8> e0 = licc::rescale(licc::wide(acc), 3, 2, 0, -128LL, 127LL);
// CHECK-NEXT: const licc::int_t<8> e1 = licc::relu(licc::wide(e0));
// CHECK-NEXT: return e1;
// CHECK: inline void c(hls::stream<licc::vec<licc::uint_t<8>, 12> > &in, hls::stream<licc::vec<licc::int_t<8>, 3> > &out) {
// CHECK-NEXT: #pragma HLS INLINE off
// CHECK-NEXT: #pragma HLS ARRAY_PARTITION variable = c_w type = cyclic factor = 1 dim = 2
// CHECK-NEXT: #pragma HLS ARRAY_PARTITION variable = c_w type = cyclic factor = 4 dim = 3
// CHECK-NEXT: #pragma HLS BIND_STORAGE variable = c_w type = rom_1p impl = lutram
// CHECK-NEXT: licc::mvau<c_cfg>(in, out, c_w);

// CHECK-LABEL: // ===== design/weights/c.h =====
// CHECK: static const licc::rom_t<8> c_w[18][1][4] = {
// CHECK: static const int8_t c_b[2] = {1, 2};

// GDN: square, norm MVAU (PE 2 x SIMD 1 x MMV 3), the root's table, product, rescale.
// CHECK-LABEL: // ===== design/stages/g.h =====
// CHECK: #include "licc/table.h"
// CHECK-NEXT: #include "licc/gdn.h"
// CHECK: struct g_n0_table {  // rsqrt pwl(segments=32), frac_bits = 14
// CHECK-NEXT: static const int FUNCTION = licc::RSQRT;
// CHECK-NEXT: static const int MODE = licc::PWL;
// CHECK-NEXT: static const int K = 5, NEWTON_STEPS = 0;
// CHECK: static const int CH = 2, PE = 2, SIMD = 1, MMV = 3, NF = 1, SF = 2, GROUPS = 3;
// CHECK: const licc::int_t<15> p0 = licc::wide(x) * licc::wide(x);
// CHECK: static acc_t mul(w_t w, op_t x) {
// CHECK-NEXT: const acc_t p = licc::mul<acc_t>(w, x);
// CHECK-NEXT: #pragma HLS BIND_OP variable = p op = mul impl = fabric
// CHECK: const licc::int_t<16> n0 = licc::table<g_n0_table>(licc::wide(acc));
// CHECK: const licc::int_t<24> prod = licc::mul<licc::int_t<24>>(x, n);
// CHECK-NEXT: #pragma HLS BIND_OP variable = prod op = mul impl = fabric
// CHECK-NEXT: const licc::int_t<8> e0 = licc::rescale(licc::wide(prod), g_e0_mult[o], 14, g_e0_offset[o], -128LL, 127LL);
// CHECK: #pragma HLS ARRAY_PARTITION variable = g_gamma type = cyclic factor = 2 dim = 2
// CHECK-NEXT: #pragma HLS ARRAY_PARTITION variable = g_gamma type = cyclic factor = 1 dim = 3
// CHECK-NEXT: licc::gdn<g_cfg>(in, out, g_gamma);

// SIMD 25 = all 25 taps of the four phases, one channel each: phases at once,
// MMV 3 blocks (the whole block row) at once, beats of 6 output pixels.
// CHECK-LABEL: // ===== design/stages/d.h =====
// CHECK: static const int IN_LANES = 2, IN_PIXELS = 3;
// CHECK-NEXT: static const int RING = 3, ITERS = 26, QH = 3, QG = 1, MMV = 3, OUT_PIX = 6, ST = 2, E = 1;
// CHECK: #pragma HLS BIND_OP variable = p op = mul impl = dsp
// CHECK: inline void d(hls::stream<licc::vec<licc::int_t<8>, 6> > &in, hls::stream<licc::vec<licc::int_t<8>, 6> > &out) {
// CHECK: #pragma HLS ARRAY_PARTITION variable = d_w type = cyclic factor = 25 dim = 3
// CHECK-NEXT: licc::deconv_at_once<d_cfg>(in, out, d_w);

// CHECK-LABEL: // ===== design/stages/t.h =====
// CHECK: static const int LANES = 1, PIXELS = 6, CH = 3, BEATS = 18;

// A width converter between pixel counts: groups of lcm(6, 2) pixels x all 3 channels,
// one a row (lcm(6, 2) divides the row: no tail group), each 3 beats in and 3 out.
// CHECK-LABEL: // ===== design/stages/l.h =====
// CHECK: static const int IN_LANES = 1, IN_PIXELS = 6;
// CHECK-NEXT: static const int OUT_LANES = 3, OUT_PIXELS = 2;
// CHECK-NEXT: static const int GP = 6, GC = 3, GROUPS = 6, ITERS = 21;
// CHECK-NEXT: static const int FULL = 1, READS = 3, WRITES = 3;
// CHECK-NEXT: static const int TAIL_READS = 0, TAIL_WRITES = 0;
// CHECK: licc::lanes<l_cfg>(in, out);

// CHECK-LABEL: // ===== design/design.h =====
// CHECK: typedef licc::vec<licc::uint_t<8>, 2> design_in_beat;
// CHECK-NEXT: typedef licc::vec<licc::int_t<8>, 6> design_out_beat;
// CHECK: static const int IN_C = 4, IN_H = 6, IN_W = 6, IN_LANES = 2, IN_PIXELS = 1;
// CHECK-NEXT: static const int OUT_C = 3, OUT_H = 6, OUT_W = 6, OUT_LANES = 3, OUT_PIXELS = 2;
// CHECK: void design(hls::stream<design_in_beat> &in, hls::stream<design_out_beat> &out);

// CHECK-LABEL: // ===== design/design.cpp =====
// CHECK: void design(hls::stream<design_in_beat> &in, hls::stream<design_out_beat> &out) {
// CHECK-NEXT: #pragma HLS INTERFACE mode = axis port = in
// CHECK-NEXT: #pragma HLS INTERFACE mode = axis port = out
// CHECK-NEXT: #pragma HLS INTERFACE mode = ap_ctrl_chain port = return
// CHECK-NEXT: #pragma HLS DATAFLOW
// CHECK-NEXT: hls::stream<licc::vec<licc::uint_t<8>, 2> > a("a");
// CHECK-NEXT: #pragma HLS STREAM variable = a depth = 2
// CHECK-NEXT: hls::stream<licc::vec<licc::uint_t<8>, 12> > w("w");
// CHECK-NEXT: #pragma HLS STREAM variable = w depth = 7
// CHECK: design_hw::a(in, a);
// CHECK-NEXT: design_hw::w(a, w);
// CHECK-NEXT: design_hw::c(w, c);
// CHECK-NEXT: design_hw::g(c, g);
// CHECK-NEXT: design_hw::d(g, d);
// CHECK-NEXT: design_hw::t(d, t);
// CHECK-NEXT: design_hw::l(t, out);

// CHECK-LABEL: // ===== design/tb_design.cpp =====
// CHECK: b.v[p * io::IN_LANES + l] = design_in_t(v);
// CHECK: design(in, out);
// CHECK: licc::wide(b.v[p * io::OUT_LANES + l]);
// CHECK: #ifdef LICC_COUNT_ITERS

// CHECK-LABEL: // ===== design/hls_config.cfg =====
// CHECK-NEXT: # design: Vitis HLS component
// CHECK-NEXT: part=xck26-sfvc784-2LV-c
// CHECK: clock=4ns
// CHECK-NEXT: syn.top=design

// CHECK-LABEL: // ===== design/run_hls.tcl =====
// CHECK: set_part xck26-sfvc784-2LV-c
// CHECK-NEXT: create_clock -period 4 -name default

builtin.module attributes {lic.hw = {part = "xck26-sfvc784-2LV-c", clock_mhz = 2.500000e+02 : f64}} {
func.func @design(%x: tensor<1x4x6x6xui8>) -> tensor<1x3x6x6xi8> {
  %y = hls.dataflow %x : (tensor<1x4x6x6xui8>) -> tensor<1x3x6x6xi8> {
  ^bb0(%in: !hls.stream<4x6x6xui8, lanes = 2, depth = 2>):
    %a = hls.pointwise %in {steps = [#hls.abs]} : !hls.stream<4x6x6xui8, lanes = 2, depth = 2> -> !hls.stream<4x6x6xui8, lanes = 2, depth = 2>
    %w = hls.window %a {kernel = array<i64: 3, 3>, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : !hls.stream<4x6x6xui8, lanes = 2, depth = 2> -> !hls.stream<36x3x3xui8, lanes = 4, pixels = 3, depth = 7>
    %c = hls.mvau %w {weight = dense<1> : tensor<2x36xi8>, bias = dense<[1, 2]> : tensor<2xi20>, acc_type = i20, pe = 1 : i64, simd = 4 : i64, mmv = 3 : i64, ram_style = "lutram", mult_impl = "fabric", cost = {cycles = 54 : i64}, epilogue = [#hls.rescale<multiplier = array<i64: 3>, shift = array<i64: 2>, offset = array<i64: 0> -> i8>, #hls.relu]} : !hls.stream<36x3x3xui8, lanes = 4, pixels = 3, depth = 7> -> !hls.stream<2x3x3xi8, lanes = 1, pixels = 3, depth = 2>
    %g = hls.gdn %c {gamma = dense<1> : tensor<2x2xi8>, beta = dense<100> : tensor<2xi18>, acc_type = i18, prologue = [#hls.square<i15>], norm = [#hls.table<rsqrt pwl(segments = 32) frac_bits = 14 -> i16>], product_type = i24, pe = 2 : i64, simd = 1 : i64, mmv = 3 : i64, mult_impl = "fabric", epilogue = [#hls.rescale<multiplier = array<i64: 1, 2>, shift = array<i64: 14, 14>, offset = array<i64: 0, 1> -> i8>]} : !hls.stream<2x3x3xi8, lanes = 1, pixels = 3, depth = 2> -> !hls.stream<2x3x3xi8, lanes = 2, pixels = 3, depth = 2>
    %d = hls.deconv %g {weight = dense<1> : tensor<2x3x5x5xi8>, acc_type = i16, stride = array<i64: 2, 2>, padding = array<i64: 2, 2>, output_padding = array<i64: 1, 1>, pe = 1 : i64, simd = 25 : i64, mmv = 3 : i64, mult_impl = "dsp", epilogue = [#hls.rescale<multiplier = array<i64: 1>, shift = array<i64: 4>, offset = array<i64: 0> -> i8>]} : !hls.stream<2x3x3xi8, lanes = 2, pixels = 3, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 1, pixels = 6, depth = 2>
    %t = hls.pointwise %d {steps = [#hls.table<sqrt newton(table_bits = 4, newton_steps = 1) frac_bits = -2 -> i8>]} : !hls.stream<3x6x6xi8, lanes = 1, pixels = 6, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 1, pixels = 6, depth = 2>
    %l = hls.lanes %t : !hls.stream<3x6x6xi8, lanes = 1, pixels = 6, depth = 2> -> !hls.stream<3x6x6xi8, lanes = 3, pixels = 2, depth = 2>
    hls.yield %l : !hls.stream<3x6x6xi8, lanes = 3, pixels = 2, depth = 2>
  }
  func.return %y : tensor<1x3x6x6xi8>
}
}
