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

// A learnable multi-label task: `topics` (multi_class) holds every topic whose
// keyword appears in the sentence (one or several); `mood` (single_class)
// is decided by the opening word. Words are drawn by a seeded PRNG, so a seed fixes the set.
// One keyword per topic (a second one each made the held-out result swing between 0.75 and 0.97 with the seed).
const TOPIC_WORDS: Record<string, string[]> = {
  animals: ['cat'],
  colours: ['yellow'],
  food: ['cheese'],
  weather: ['rain'],
};
const FILLER = ['the', 'a', 'with', 'and', 'near', 'today', 'some', 'very', 'then', 'we', 'saw'];
export const TOPICS = Object.keys(TOPIC_WORDS);

/** mulberry32: 32-bit integer arithmetic throughout, so every seed gives a long, distinct stream. */
function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function topicRows(n: number, seed: number) {
  const next = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const topics = TOPICS.filter(() => next() < 0.4);
    if (topics.length === 0) topics.push(pick(TOPICS)); // Mistral's format wants at least one label per target
    const words = [...topics.map((t) => pick(TOPIC_WORDS[t]!)), ...Array.from({ length: 2 + Math.floor(next() * 3) }, () => pick(FILLER))];
    for (let i = words.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [words[i], words[j]] = [words[j]!, words[i]!];
    }
    const happy = next() < 0.5;
    return { text: `${happy ? 'yay' : 'ugh'} ${words.join(' ')}`, labels: { topics, mood: happy ? 'happy' : 'unhappy' } };
  });
}

export const topicJsonl = (n: number, seed: number) => toJsonl(topicRows(n, seed));
