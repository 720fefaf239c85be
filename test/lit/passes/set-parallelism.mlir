// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism{device=ultra96v2}' | filecheck %s
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism{device=ultra96v2 objective=min-resources target-fps=1000000}' | filecheck %s --check-prefix=SLOW
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism{device=ultra96v2 max-mmv=1}' | filecheck %s --check-prefix=NOMMV
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism{device=ultra96v2 mult-impls=fabric}' | filecheck %s --check-prefix=FABRIC
// RUN: echo '{"stages": [{"function": "codec", "stage": "r0", "pe": 2, "simd": 6, "mmv": 2, "mult_impl": "fabric"}, {"function": "codec", "stage": "q1", "pe": 1, "simd": 2, "ram_style": "lutram"}, {"function": "codec", "stage": "q2", "pe": 2, "simd": 18, "mmv": 2}]}' > %t.json
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism{device=zcu102 parallelism-file="%t.json"}' | filecheck %s --check-prefix=FILE

// lic-set-parallelism plans the hls stages convert-lic-to-hls built: each
// compute stage gets its folding (PE × SIMD × MMV), weight memory and the
// placement of its products; every stage (window generators and width
// converters too) gets its cost; streams get the beats the folding needs.

// CHECK:       builtin.module attributes {lic.hw = {device = "ultra96v2", part = "xczu3eg-sbva484-1-i", clock_mhz = 1.500000e+02 : f64, util_cap = 8.000000e-01 : f64, scope = "joint", objective = "max-fps", ram_styles = "bram,lutram", mult_impls = "dsp,fabric", max_mmv = 20 : i64, fps = {codec = {{.*}} : f64}}}
// CHECK:       hls.window {{.*}}lic_ops = ["lic.conv2d %conv0"], cost = {cycles = {{[0-9]+}} : i64, dsp = 0 : i64, bram18 = {{[0-9]+}} : i64, uram = 0 : i64, lut = {{[0-9]+}} : i64, ff = {{[0-9]+}} : i64}}
// CHECK:       %r0 = hls.mvau {{.*}}{pe = {{[0-9]+}} : i64, simd = {{[0-9]+}} : i64,
// CHECK-SAME:  lic_ops = ["lic.conv2d %conv0", "lic.rescale %q0", "lic.relu %r0"], ram_style = "{{bram|lutram}}", mult_impl = "{{dsp|fabric}}"{{.*}}, cost = {cycles = {{[0-9]+}} : i64
// CHECK:       %q1 = hls.gdn
// CHECK-SAME:  lic_ops = ["lic.mul %g1_sq", "lic.conv2d %g1_norm", "lic.table %g1_f", "lic.mul %gdn1", "lic.rescale %q1"], {{.*}}cost = {cycles = {{[0-9]+}} : i64
// CHECK:       %q2 = hls.deconv

// At 1e6 FPS (150 cycles at 150 MHz) the least-cost design folds everything.
// SLOW:        objective = "min-resources"
// SLOW:        %r0 = hls.mvau {{.*}}{pe = 1 : i64, simd = 1 : i64,
// SLOW:        %q1 = hls.gdn {{.*}}{pe = 1 : i64, simd = 1 : i64,
// SLOW:        %q2 = hls.deconv {{.*}}{pe = 1 : i64, simd = 1 : i64,

// max-mmv=1: every compute stage takes one pixel per step.
// NOMMV:       max_mmv = 1 : i64
// NOMMV-NOT:   mmv =

// mult-impls=fabric: every product in LUTs.
// FABRIC:      mult_impls = "fabric"
// FABRIC:      %r0 = hls.mvau {{.*}}mult_impl = "fabric"
// FABRIC:      %q1 = hls.gdn {{.*}}mult_impl = "fabric"
// FABRIC:      %q2 = hls.deconv {{.*}}mult_impl = "fabric"

// A hand-written parallelism file is applied as it is; the MVAU reads its
// window's 6 lanes of 2 pixels, and a width converter regroups its output for the GDN.
// FILE:        objective = "file"
// FILE:        hls.window {{.*}} -> !hls.stream<18x2x2xui8, lanes = 6, pixels = 2, depth = {{[0-9]+}}>
// FILE:        %r0 = hls.mvau {{.*}}{pe = 2 : i64, simd = 6 : i64, {{.*}}ram_style = "bram", mult_impl = "fabric", mmv = 2 : i64
// FILE:        hls.lanes %r0 {{.*}}: !hls.stream<2x2x2xi8, lanes = 2, pixels = 2, depth = {{[0-9]+}}> -> !hls.stream<2x2x2xi8, lanes = 2, depth = {{[0-9]+}}>
// FILE:        %q1 = hls.gdn {{.*}}{pe = 1 : i64, simd = 2 : i64, {{.*}}ram_style = "lutram", mult_impl = "dsp"
// FILE:        %q2 = hls.deconv {{.*}}{pe = 2 : i64, simd = 18 : i64, {{.*}}mmv = 2 : i64
