// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=1},lic-assign-precision{file="%S/Inputs/precision-file.json"}' 2>/dev/null | filecheck %s
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=1},lic-assign-precision{weights=6 file="%S/Inputs/precision-file.json"}' 2>/dev/null | filecheck %s --check-prefix=OVER
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{count=1},lic-assign-precision{file="%S/Inputs/precision-file-unknown.json"}' | filecheck %s --check-prefix=UNKNOWN
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{file="%S/Inputs/missing.json"}' | filecheck %s --check-prefix=MISSING
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=hybrid file="%S/Inputs/precision-file.json"}' | filecheck %s --check-prefix=HYBRID

// A precision file (what `licc-train finetune --qat` trained through): the
// knobs it names at its widths, every other knob at the uniform ones.

// CHECK: lic.precision = {mode = "file", file = "{{.*}}precision-file.json", widths = {"@encoder weight 1" = 8 : i64, "@encoder act 1" = 16 : i64, "@encoder gdn 1" = 16 : i64, "@encoder act 2" = 8 : i64, "@encoder weight 2" = 4 : i64, "@decoder weight 1" = 3 : i64, "@decoder act 1" = 16 : i64, "@decoder gdn 1" = 16 : i64, "@decoder act 2" = 6 : i64, "@decoder weight 2" = 8 : i64}}
// CHECK: %conv = lic.conv2d {{.*}}lic.weight_bits = 8 : i64, lic.bits = 16 : i64, stride
// CHECK: %conv_1 = lic.conv2d {{.*}}lic.weight_bits = 4 : i64, stride
// CHECK: %deconv = lic.conv_transpose2d {{.*}}lic.weight_bits = 3 : i64, lic.bits = 16 : i64, stride
// CHECK: %igdn = lic.mul {{.*}}lic.bits = 6 : i64}
// CHECK: %deconv_1 = lic.conv_transpose2d {{.*}}lic.weight_bits = 8 : i64, stride

// OVER: "@encoder weight 1" = 6 : i64, {{.*}} "@encoder weight 2" = 4 : i64, "@decoder weight 1" = 3 : i64, {{.*}} "@decoder weight 2" = 6 : i64

// UNKNOWN: the precision file sets @encoder weight 7, which this model does not have; write the file for this architecture with `licc-train precision`
// MISSING: precision file {{.*}}missing.json is unreadable ({{.*}}); write one with `licc-train precision`
// HYBRID: lic-assign-precision: file= gives the widths, mode=hybrid would choose them; drop one of the two
