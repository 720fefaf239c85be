// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=1},lic-assign-precision{weights=6 activations=7 gdn=12}' 2>/dev/null | filecheck %s
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=1},lic-assign-precision{gdn-inputs=act}' 2>/dev/null | filecheck %s --check-prefix=ACTIN
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=4},lic-assign-precision{mode=hybrid max-psnr-drop=0.5 count=4}' 2>&1 | filecheck %s --check-prefix=HYBRID
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=4},lic-assign-precision{mode=hybrid objective=min-resources device=kv260 frame="64x64" held-out-images=split held-out=0.25 count=4}' 2>&1 | filecheck %s --check-prefix=MINRES

// Uniform: every conv's weights and every activation at the given widths,
// each GDN path (its input x, γ, x², the root's output) at gdn bits; the
// latent's width from its range, the decoder's pixels at 8 bits.

// CHECK: builtin.module attributes {lic.precision = {mode = "uniform", widths = {"@encoder weight 1" = 6 : i64, "@encoder act 1" = 12 : i64, "@encoder gdn 1" = 12 : i64, "@encoder act 2" = 7 : i64, "@encoder weight 2" = 6 : i64, "@decoder weight 1" = 6 : i64, "@decoder act 1" = 12 : i64, "@decoder gdn 1" = 12 : i64, "@decoder act 2" = 7 : i64, "@decoder weight 2" = 6 : i64}}}
// CHECK: %conv = lic.conv2d {{.*}}lic.weight_bits = 6 : i64, lic.bits = 12 : i64, stride
// CHECK: %gdn_sq = lic.mul %conv, %conv {{{.*}}lic.bits = 12 : i64}
// CHECK: %gdn_norm = lic.conv2d {{.*}}lic.weight_bits = 12 : i64, stride
// CHECK: %gdn_rsqrt = lic.rsqrt {{.*}}lic.bits = 12 : i64}
// CHECK: %gdn = lic.mul %conv, %gdn_rsqrt {{{.*}}lic.bits = 7 : i64}
// CHECK: %conv_1 = lic.conv2d {{.*}}lic.bits = 8 : i64, lic.weight_bits = 6 : i64, stride
// CHECK: func.func @decoder({{.*}}) -> tensor<1x3x16x16xf32> attributes {{{.*}}lic.arg_bits = [8 : i64]}
// CHECK: %deconv_1 = lic.conv_transpose2d {{.*}}lic.bits = 8 : i64, lic.weight_bits = 6 : i64, stride

// Hybrid: the search reports each knob's width, the drop and rate it measured on
// the images it fitted and on those held out (by default the 16 shipped whole
// photographs; there with the bound it holds to the budget: the mean plus a 95 %
// confidence margin), and the solved design of its answer next to the uniform assignment's.
// HYBRID: lic-assign-precision: hybrid (max-fps), budget 0.5 dB and 0.5 % rate, fitted on 4 images, checked on 16 held out
// HYBRID: @encoder weight 1 {{ +}}{{[0-9]+}} bits
// HYBRID: fit images: PSNR drop {{-?[0-9.]+}} dB, rate {{[-+][0-9.]+}} %
// HYBRID: held-out images: PSNR drop {{-?[0-9.]+}} dB (bound {{-?[0-9.]+}} dB: + {{[0-9.]+}} confidence margin), rate {{[-+][0-9.]+}} %
// HYBRID: design: {{[0-9.]+}} FPS, cost {{[0-9.]+}} (DSP {{[0-9]+}}, LUT {{[0-9]+}}); uniform: {{[0-9.]+}} FPS
// HYBRID: lic.precision = {mode = "hybrid", objective = "max-fps"
// HYBRID-SAME: fit = {images = 4 : i64
// HYBRID-SAME: held_out = {images = 16 : i64, psnr_drop = {{.*}}, margin = {{[0-9.e+-]+}} : f64, psnr_drop_bound =
// HYBRID-SAME: design = {fps =

// The objective, the device and the frame the design is solved for, and a held-out
// share of the search images instead of the photographs.
// MINRES: lic-assign-precision: hybrid (min-resources), {{.*}} fitted on 3 images, checked on 1 held out
// MINRES: lic.precision = {mode = "hybrid", objective = "min-resources"

// gdn-inputs=act: the activation a GDN consumes (act 1, the conv before it)
// is an activation like the GDN's output (act 2), not part of the GDN path.
// ACTIN: "@encoder act 1" = 8 : i64, "@encoder gdn 1" = 16 : i64, "@encoder act 2" = 8 : i64
// ACTIN: "@decoder act 1" = 8 : i64, "@decoder gdn 1" = 16 : i64, "@decoder act 2" = 8 : i64
