// A small, learnable chat dataset used by the demo, the tests and the benchmarks:
// short question/answer pairs a tiny model can memorise in a few epochs.

const FACTS: Array<[string, string]> = [
  ['What colour is the sky?', 'Blue.'],
  ['What is two plus two?', 'Four.'],
  ['What is the capital of France?', 'Paris.'],
  ['What do bees make?', 'Honey.'],
  ['How many legs does a spider have?', 'Eight.'],
  ['What is frozen water called?', 'Ice.'],
  ['Which planet do we live on?', 'Earth.'],
  ['What is the opposite of hot?', 'Cold.'],
  ['What animal says moo?', 'A cow.'],
  ['How many days are in a week?', 'Seven.'],
  ['What is the largest ocean?', 'The Pacific.'],
  ['What gas do plants breathe in?', 'Carbon dioxide.'],
  ['What is the capital of Japan?', 'Tokyo.'],
  ['What colour is grass?', 'Green.'],
  ['How many wheels does a bicycle have?', 'Two.'],
  ['What falls from clouds?', 'Rain.'],
  ['What is the first letter of the alphabet?', 'A.'],
  ['What do cats chase?', 'Mice.'],
  ['What rises in the east?', 'The sun.'],
  ['What is ten minus three?', 'Seven.'],
  ['What is the capital of Italy?', 'Rome.'],
  ['What shape has three sides?', 'A triangle.'],
  ['What do you call a baby dog?', 'A puppy.'],
  ['What is the boiling point of water in Celsius?', '100 degrees.'],
  ['What is the capital of Spain?', 'Madrid.'],
  ['How many hours are in a day?', 'Twenty-four.'],
  ['What colour is snow?', 'White.'],
  ['What do cows drink?', 'Water.'],
  ['What is five times two?', 'Ten.'],
  ['What is the capital of Germany?', 'Berlin.'],
];

const SYSTEM = 'You answer in one short sentence.';

export interface ChatExample {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

export function demoExamples(count: number, offset = 0): ChatExample[] {
  return Array.from({ length: count }, (_, i) => {
    const [q, a] = FACTS[(i + offset) % FACTS.length]!;
    return { messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: q }, { role: 'assistant', content: a }] };
  });
}

export const toJsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** The demo training set: 24 examples; the validation set: the 6 facts not trained on. */
export const demoTrainingJsonl = (): string => toJsonl(demoExamples(24));
export const demoValidationJsonl = (): string => toJsonl(demoExamples(6, 24));
