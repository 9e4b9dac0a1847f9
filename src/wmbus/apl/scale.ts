/**
 * Decimal scaling without binary noise: 7064630 · 10^-3 must print as 7064.63, not 7064.629999.
 * Dividing an exact integer by an exact power of ten gives the double nearest to the true decimal,
 * which prints as that decimal; multiplying by 0.001 does not.
 */

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** x · 10^exp, rounded once, to the nearest double of the exact decimal result. */
export function shiftDecimal(x: number, exp: number): number {
  if (exp === 0 || x === 0) return x;
  if (Number.isSafeInteger(x) && exp >= -22 && exp <= 22) return exp < 0 ? x / POW10[-exp]! : x * POW10[exp]!;
  // Not an exact integer: go through the decimal text, which shifts the exponent without rounding.
  const [mantissa, e] = x.toPrecision(15).split('e');
  return Number(`${mantissa}e${Number(e ?? 0) + exp}`);
}

/**
 * raw · mul / div · 10^exp. Integers stay exact as long as the product is; a non-decimal divisor
 * (J/h to W) is rounded to 12 significant digits, far beyond what any meter resolves.
 */
export function scaleValue(raw: number | bigint, exp: number, mul: number, div: number): number {
  if (typeof raw === 'bigint') {
    const product = raw * BigInt(mul);
    if (div === 1) return Number(`${product}e${exp}`);
    return shiftDecimal(Number((Number(product) / div).toPrecision(12)), exp);
  }
  let v = raw * mul;
  if (Number.isInteger(raw) && !Number.isSafeInteger(v)) return scaleValue(BigInt(raw), exp, mul, div);
  if (div !== 1) v = Number((v / div).toPrecision(12));
  else if (!Number.isInteger(v)) v = Number(v.toPrecision(12));
  return shiftDecimal(v, exp);
}
