// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{budget=1}' | filecheck %s
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism' | filecheck %s --check-prefix=NONE
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{layers=r0,q2 memories=bias budget=1}' | filecheck %s --check-prefix=LAYERS
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{budget=0.03}' | filecheck %s --check-prefix=BUDGET
// RUN: licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{scheme=tmr-high budget=1}' | filecheck %s --check-prefix=HIGH
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{scheme=ecc}' 2>&1 | filecheck %s --check-prefix=SCHEME
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{layers=conv_9}' 2>&1 | filecheck %s --check-prefix=LAYER
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{layers=r0 budget=0.001}' 2>&1 | filecheck %s --check-prefix=TOOSMALL
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{budget=0.0001}' 2>&1 | filecheck %s --check-prefix=NOTHING
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{budget=0}' 2>&1 | filecheck %s --check-prefix=ZERO
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-set-parallelism,lic-protect{memories=gamma}' 2>&1 | filecheck %s --check-prefix=MEMORY
// RUN: not licc-opt %S/Inputs/hls-codec.mlir -p 'convert-lic-to-hls,lic-protect' 2>&1 | filecheck %s --check-prefix=NOCOST

// Every per-channel array is triplicated: biases, β, the rescales' parameters
// that differ between channels (r0's shift and offset, equal for both
// channels, are constants in the logic and stay as they are). The stage's
// cost grows by the copies and voters (lic_compiler/hw/protect.py): r0's
// 1,011 LUTs unprotected (NONE) become 1,203 (the 192 TOOSMALL names).
// CHECK:      %r0 = hls.mvau
// CHECK-SAME: licc.protect = {tmr = ["bias", "epilogue[0].multiplier"]}
// CHECK-SAME: lut = 1203
// NONE:      %r0 = hls.mvau
// NONE-NOT:  licc.protect
// NONE-SAME: lut = 1011
// CHECK:      %q1 = hls.gdn
// CHECK-SAME: licc.protect = {tmr = ["beta", "epilogue[0].multiplier", "epilogue[0].offset"]}
// CHECK:      %q2 = hls.deconv
// CHECK-SAME: licc.protect = {tmr = ["bias", "epilogue[0].multiplier", "epilogue[0].offset"]}

// Chosen layers and memories only.
// LAYERS:     %r0 = hls.mvau
// LAYERS-SAME: licc.protect = {tmr = ["bias"]}
// LAYERS:     %q1 = hls.gdn
// LAYERS-NOT: licc.protect
// LAYERS:     %q2 = hls.deconv
// LAYERS-SAME: licc.protect = {tmr = ["bias"]}

// A budget that holds some memories: the cheapest first (no ranking given).
// BUDGET:      %q1 = hls.gdn
// BUDGET-SAME: licc.protect = {tmr = ["epilogue[0].multiplier", "epilogue[0].offset"]}
// BUDGET-NOT:  licc.protect

// tmr-high: the same memories, only their high bits triplicated (a multiplier's
// bits below floor(log2 min |m|) - 2 are stored once; offsets keep every bit), so
// each stage costs less than whole words: r0 1,113 LUTs instead of 1,203.
// HIGH:      %r0 = hls.mvau
// HIGH-SAME: licc.protect = {"tmr-high" = ["bias", "epilogue[0].multiplier"]}
// HIGH-SAME: lut = 1113
// HIGH:      %q1 = hls.gdn
// HIGH-SAME: licc.protect = {"tmr-high" = ["beta", "epilogue[0].multiplier", "epilogue[0].offset"]}
// HIGH-SAME: lut = 673
// HIGH:      %q2 = hls.deconv
// HIGH-SAME: licc.protect = {"tmr-high" = ["bias", "epilogue[0].multiplier", "epilogue[0].offset"]}
// HIGH-SAME: lut = 1371

// SCHEME: lic-protect: unknown scheme 'ecc'; choose from tmr, tmr-high
// LAYER: lic-protect: the design has no layer 'conv_9'; choose from q1, q2, r0
// TOOSMALL: lic-protect: the chosen layers need 192 LUTs (5.96% of 3,221) and budget=0.001 allows 3; raise the budget or choose fewer layers
// NOTHING: lic-protect: budget=0.0001 (0 LUTs) is below the cheapest memory's 24 LUTs; raise the budget
// ZERO: lic-protect: budget must be in (0, 1] (a fraction of the design's LUTs), got 0
// MEMORY: lic-protect: unknown memory 'gamma'; choose from bias, beta, multiplier, shift, offset
// NOCOST: lic-protect costs the design's stages: run lic-set-parallelism before it
