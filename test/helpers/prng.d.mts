/** mulberry32 from `seed`: numbers in [0, 1), the same sequence for the same seed. */
export function prng(seed: number): () => number;
