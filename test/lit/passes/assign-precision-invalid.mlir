// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{mode=mixed}' | filecheck %s --check-prefix=MODE
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{gdn-inputs=all}' | filecheck %s --check-prefix=GDNIN
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{weights=1}' | filecheck %s --check-prefix=WIDTH
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision{max-psnr-drop=0}' | filecheck %s --check-prefix=BUDGET
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-assign-precision' | filecheck %s --check-prefix=RANGES

// MODE: lic-assign-precision: mode must be one of uniform, hybrid, got 'mixed'
// GDNIN: lic-assign-precision: gdn-inputs must be one of act, gdn, got 'all'
// WIDTH: lic-assign-precision: weights=1 is outside [2, 16] bits
// BUDGET: lic-assign-precision: max-psnr-drop must be positive, got 0
// RANGES: lic.conv2d has no lic.range; run lic-calibrate first
