// A clearly learnable two-target classifier task: the sentiment word decides
// `sentiment` (single_class); the subject decides `topic` (multi_class).
import { toJsonl } from '../../src/demo/demo-data.ts';

const GOOD = ['great', 'wonderful', 'lovely', 'excellent', 'superb', 'happy'];
const BAD = ['awful', 'terrible', 'horrible', 'dreadful', 'sad', 'bad'];
const SUBJECTS: Array<[string, string]> = [['the food', 'food'], ['this film', 'media'], ['our trip', 'travel'], ['the hotel', 'travel'], ['that song', 'media'], ['my day', 'life']];

/** Deterministic rows (a small LCG), so train and held-out sets differ by seed only. */
export function sentimentRows(n: number, seed: number) {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  return Array.from({ length: n }, () => {
    const positive = next() < 0.5;
    const [subject, topic] = SUBJECTS[Math.floor(next() * SUBJECTS.length)]!;
    const words = positive ? GOOD : BAD;
    const word = words[Math.floor(next() * words.length)]!;
    return { text: `${subject} was ${word}`, labels: { sentiment: positive ? 'positive' : 'negative', topic: [topic] } };
  });
}

export const sentimentJsonl = (n: number, seed: number) => toJsonl(sentimentRows(n, seed));
