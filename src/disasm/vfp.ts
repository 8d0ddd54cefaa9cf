// VFPv3 operand layouts for the table-driven disassembler (the `vfp` format of the cp10/cp11 rows in
// assembly/decode/a32.decode), printed as LLVM's ARM printer does (`llvm-objdump --triple=armv7a`):
// data types after the mnemonic and condition (vaddeq.f64), floating-point immediates as %e,
// register lists in full, the system registers by name. Only bits 27:0 are read, so T32 can share it.

export interface VfpCtx { w: number; name: string; c: string }

const REG = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc"];
const SYSREG: Record<number, string> = { 0: "fpsid", 1: "fpscr", 6: "mvfr1", 7: "mvfr0", 8: "fpexc", 9: "fpinst", 10: "fpinst2" };
const bit = (w: number, n: number) => (w >>> n) & 1;
const f4 = (w: number, lo: number) => (w >>> lo) & 15;

// Register numbers: single Vx:X, double X:Vx (A7.3).
const reg = (w: number, lo: number, x: number, dbl: boolean) =>
  dbl ? `d${(bit(w, x) << 4) | f4(w, lo)}` : `s${(f4(w, lo) << 1) | bit(w, x)}`;
const vd = (w: number, dbl: boolean) => reg(w, 12, 22, dbl);
const vn = (w: number, dbl: boolean) => reg(w, 16, 7, dbl);
const vm = (w: number, dbl: boolean) => reg(w, 0, 5, dbl);

// VFPExpandImm (A7.5.1): a:NOT(b):b..b:cd:efgh:0..0 = (-1)^a * (16 + efgh) / 16 * 2^e, where
// e = cd + 1 when b = 0, cd - 3 when b = 1 (the same value in both precisions).
function fpImm(w: number): string {
  const imm8 = ((w >>> 12) & 0xf0) | (w & 15);
  const a = imm8 >>> 7, b = (imm8 >>> 6) & 1, cd = (imm8 >>> 4) & 3, efgh = imm8 & 15;
  const v = (a ? -1 : 1) * (16 + efgh) / 16 * Math.pow(2, (b ? -3 : 1) + cd);
  return "#" + v.toExponential(6).replace(/e([+-])(\d)$/, "e$10$2");
}

function dataProc(x: VfpCtx): string {
  const w = x.w, dbl = bit(w, 8) === 1, t = dbl ? ".f64" : ".f32";
  const opc1 = (bit(w, 23) << 2) | ((w >>> 20) & 3), op = bit(w, 6), opc2 = f4(w, 16), b7 = bit(w, 7);
  const three = (m: string) => `${m}${x.c}${t}\t${vd(w, dbl)}, ${vn(w, dbl)}, ${vm(w, dbl)}`;
  const two = (m: string) => `${m}${x.c}${t}\t${vd(w, dbl)}, ${vm(w, dbl)}`;
  switch (opc1) {
    case 0: return three(op ? "vmls" : "vmla");
    case 1: return three(op ? "vnmla" : "vnmls");
    case 2: return three(op ? "vnmul" : "vmul");
    case 3: return three(op ? "vsub" : "vadd");
    case 4: if (!op) return three("vdiv"); break;
    case 7:
      if (!op) return (w & 0xa0) ? "<unknown>" : `vmov${x.c}${t}\t${vd(w, dbl)}, ${fpImm(w)}`;
      switch (opc2) {
        case 0: return two(b7 ? "vabs" : "vmov");
        case 1: return two(b7 ? "vsqrt" : "vneg");
        case 4: return two(b7 ? "vcmpe" : "vcmp");
        case 5: return (w & 0x2f) ? "<unknown>" : `${b7 ? "vcmpe" : "vcmp"}${x.c}${t}\t${vd(w, dbl)}, #0`;
        case 7: if (b7) return `vcvt${x.c}${dbl ? ".f32.f64" : ".f64.f32"}\t${vd(w, !dbl)}, ${vm(w, dbl)}`; break;
        case 8: return `vcvt${x.c}${t}.${b7 ? "s32" : "u32"}\t${vd(w, dbl)}, ${vm(w, false)}`;
        case 12: case 13:
          return `vcvt${b7 ? "" : "r"}${x.c}.${opc2 === 13 ? "s32" : "u32"}${t}\t${vd(w, false)}, ${vm(w, dbl)}`;
        case 10: case 11: case 14: case 15: {
          const size = b7 ? 32 : 16, imm = ((w & 15) << 1) | bit(w, 5);
          const ty = `${opc2 & 1 ? "u" : "s"}${size}`;
          const types = opc2 & 4 ? `.${ty}${t}` : `${t}.${ty}`;
          return `vcvt${x.c}${types}\t${vd(w, dbl)}, ${vd(w, dbl)}, #${size - imm}`;
        }
      }
  }
  return "<unknown>";
}

function regList(first: number, count: number, dbl: boolean): string {
  return "{" + Array.from({ length: count }, (_, k) => `${dbl ? "d" : "s"}${first + k}`).join(", ") + "}";
}

/** One cp10/cp11 instruction in LLVM syntax (the decode table row `name` matched it). */
export function disasmVfp(x: VfpCtx): string {
  const w = x.w, dbl = bit(w, 8) === 1;
  const rt = REG[f4(w, 12)], rt2 = REG[f4(w, 16)], rn = REG[f4(w, 16)];
  switch (x.name) {
    case "VFP_DP": return dataProc(x);
    case "VLDR": case "VSTR": {
      const u = bit(w, 23), off = (w & 0xff) * 4;
      const addr = off === 0 && u ? `[${rn}]` : `[${rn}, #${u ? "" : "-"}${off}]`;
      return `${x.name === "VLDR" ? "vldr" : "vstr"}${x.c}\t${vd(w, dbl)}, ${addr}`;
    }
    case "VLDMIA": case "VSTMIA": case "VLDMDB": case "VSTMDB": {
      const imm8 = w & 0xff, load = x.name.startsWith("VLDM"), wb = bit(w, 21), ia = x.name.endsWith("IA");
      const first = dbl ? (bit(w, 22) << 4) | f4(w, 12) : (f4(w, 12) << 1) | bit(w, 22);
      if (dbl && (imm8 & 1)) return `f${load ? "ldm" : "stm"}${ia ? "ia" : "db"}x${x.c}\t${rn}${wb ? "!" : ""}, ${regList(first, imm8 >>> 1, true)}`;
      // LLVM clamps UNPREDICTABLE lists (empty, more than 16 doubles, past the last register).
      const count = Math.max(1, Math.min(dbl ? imm8 >>> 1 : imm8, dbl ? 16 : 32, 32 - first));
      const list = regList(first, count, dbl);
      if (f4(w, 16) === 13 && wb && (load ? ia : !ia)) return `${load ? "vpop" : "vpush"}${x.c}\t${list}`;
      return `${load ? "vldm" : "vstm"}${ia ? "ia" : "db"}${x.c}\t${rn}${wb ? "!" : ""}, ${list}`;
    }
    case "VMRS": {
      const r = f4(w, 16), name = SYSREG[r];
      if (!name) return "<unknown>";
      return `vmrs${x.c}\t${f4(w, 12) === 15 && r === 1 ? "APSR_nzcv" : rt}, ${name}`;
    }
    case "VMSR": {
      const name = SYSREG[f4(w, 16)];
      return name ? `vmsr${x.c}\t${name}, ${rt}` : "<unknown>";
    }
    case "VMOV_s":
      return bit(w, 20) ? `vmov${x.c}\t${rt}, ${vn(w, false)}` : `vmov${x.c}\t${vn(w, false)}, ${rt}`;
    case "VMOV_scalar": {
      const s = `${vn(w, true)}[${bit(w, 21)}]`;
      return bit(w, 20) ? `vmov${x.c}.32\t${rt}, ${s}` : `vmov${x.c}.32\t${s}, ${rt}`;
    }
    case "VMOV_64": {
      if (dbl) return bit(w, 20) ? `vmov${x.c}\t${rt}, ${rt2}, ${vm(w, true)}` : `vmov${x.c}\t${vm(w, true)}, ${rt}, ${rt2}`;
      const m = (f4(w, 0) << 1) | bit(w, 5);
      const ss = `s${m}, s${m + 1}`;
      return bit(w, 20) ? `vmov${x.c}\t${rt}, ${rt2}, ${ss}` : `vmov${x.c}\t${ss}, ${rt}, ${rt2}`;
    }
  }
  return "<unknown>";
}
