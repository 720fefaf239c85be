// RUN: licc-opt %S/Inputs/residual.mlir -p 'lic-calibrate{count=1},lic-assign-precision,lic-quantize,convert-lic-to-hls' 2>/dev/null | filecheck %s
// RUN: licc-opt %S/Inputs/residual.mlir -p 'lic-calibrate{count=1},lic-assign-precision,lic-quantize,convert-lic-to-hls,hls-size-fifos' 2>/dev/null | filecheck %s --check-prefix=FIFO

// The residual's input %conv is read twice (by the ReLU and by the skip's
// rescale): an hls.fork duplicates it, its copy to the skip. The main path's
// rescale to the sum's scale fuses into its MVAU, the skip's becomes a
// pointwise stage, and hls.add joins them, the saturating rescale fused.

// CHECK: %conv_fork, %conv_copy = hls.fork %conv : !hls.stream<4x16x16xi8, lanes = 1, depth = 2> -> !hls.stream<4x16x16xi8, lanes = 1, depth = 2>, !hls.stream<4x16x16xi8, lanes = 1, depth = 2>
// CHECK-NEXT: %relu = hls.pointwise %conv_fork {steps = [#hls.relu]
// CHECK: %res_rhs = hls.mvau %main_acc_window {{.*}}epilogue = [#hls.rescale<{{.*}} -> i8>, #hls.rescale<{{.*}} -> i9>]{{.*}}lic_ops = ["lic.conv2d %main_acc", "lic.rescale %main", "lic.rescale %res_rhs"]
// CHECK-NEXT: %res_lhs = hls.pointwise %conv_copy {steps = [#hls.rescale<{{.*}} -> i9>], lic_ops = ["lic.rescale %res_lhs"]}
// CHECK-NEXT: %res = hls.add %res_lhs, %res_rhs {sum_type = i10, epilogue = [#hls.rescale<multiplier = array<i64: 16384>, shift = array<i64: 14>, offset = array<i64: 0> -> ui8>], lic_ops = ["lic.add %res_exact", "lic.rescale %res"]} : !hls.stream<4x16x16xi9, lanes = 1, depth = 2>, !hls.stream<4x16x16xi9, lanes = 1, depth = 2> -> !hls.stream<4x16x16xui8, lanes = 1, depth = 2>

// The skip's path holds the main path's latency, the window's first rows and
// more: here its rescale's output, which the join reads.
// FIFO: %res_lhs = hls.pointwise %conv_copy {{.*}} -> !hls.stream<4x16x16xi9, lanes = 1, depth = {{[1-9][0-9][0-9]+}}>
