"""The fine-tuning path, run once end to end on this machine's CPU: prints figures, asserts nothing.

    .venv/bin/python bench/whisper_finetune.py --train-python /path/to/training-venv/bin/python

The training venv holds the training stack, which the line does not need:
`python3 -m venv V && V/bin/pip install torch==2.13.0 'transformers<5' 'datasets==3.6.0' 'pandas<3' librosa soundfile ctranslate2`
(datasets 3.6 reads no audio folder with pandas 3, whose strings arrive as large_string; datasets 4 wants torchcodec).

1. A data directory with a few Swahili alerts (espeak-ng, 8 kHz), each corrected by a
   verifier and marked shareable, as on a real line; `sauti export corpus` writes the
   Hugging Face audio folder (metadata.csv) beside the Kaldi files.
2. In the training venv: a tiny Whisper (2 layers, d_model 64, Whisper base's own
   multilingual tokenizer, from the packaged base) is trained from scratch on that
   folder with `load_dataset("audiofolder")`, saved, and converted with CTranslate2's
   `ct2-transformers-converter` (int8). No pretrained checkpoint can be downloaded here,
   so the model learns little: this checks the path, not the accuracy.
3. `sauti models add sw <converted>` accepts it (the engine recognised, the model loaded)
   and `sauti transcribe` decodes an alert with it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from asr.bundled import install_whisper_base  # noqa: E402
from core.store import Store  # noqa: E402
from tests.fixtures.asr import store_alert  # noqa: E402
from tests.fixtures.core import make_data_dir  # noqa: E402

SENTENCES = [
    "watu wenye silaha wameshambulia kijiji usiku wa jana",
    "wamechoma nyumba tatu karibu na soko",
    "watoto wawili wametekwa njiani kwenda shule",
    "tunaomba msaada haraka askari wamekimbia",
    "kuna mapigano makali tangu asubuhi",
    "ng'ombe wameibiwa na watu wasiojulikana",
]

TRAIN = r'''
import json, sys, time
import numpy as np, torch
from datasets import Audio, load_dataset
from transformers import (WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration,
                          WhisperProcessor, WhisperTokenizerFast)

corpus, base, out, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
torch.manual_seed(0)
tokenizer = WhisperTokenizerFast(tokenizer_file=f"{base}/tokenizer.json", language="swahili", task="transcribe")
processor = WhisperProcessor(WhisperFeatureExtractor(feature_size=80), tokenizer)
config = WhisperConfig(vocab_size=len(tokenizer), d_model=64, encoder_layers=2, decoder_layers=2,
                       encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=128,
                       decoder_ffn_dim=128, num_mel_bins=80, max_source_positions=1500, max_target_positions=448,
                       decoder_start_token_id=tokenizer.convert_tokens_to_ids("<|startoftranscript|>"),
                       pad_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                       eos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"),
                       bos_token_id=tokenizer.convert_tokens_to_ids("<|endoftext|>"))
model = WhisperForConditionalGeneration(config)
data = load_dataset("audiofolder", data_dir=corpus)["train"].cast_column("audio", Audio(sampling_rate=16000))
features = torch.tensor(np.stack([processor.feature_extractor(r["audio"]["array"], sampling_rate=16000).input_features[0]
                                  for r in data]))
labels = [tokenizer(r["transcription"]).input_ids for r in data]
width = max(map(len, labels))
label_ids = torch.tensor([l + [-100] * (width - len(l)) for l in labels])
optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
started, losses = time.perf_counter(), []
for step in range(steps):
    loss = model(input_features=features, labels=label_ids).loss
    loss.backward(); optimiser.step(); optimiser.zero_grad()
    losses.append(round(loss.item(), 3))
model.generation_config.decoder_start_token_id = config.decoder_start_token_id
model.generation_config.lang_to_id = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<|sw|>", "<|ln|>", "<|fr|>")}
model.generation_config.task_to_id = {"transcribe": tokenizer.convert_tokens_to_ids("<|transcribe|>")}
model.generation_config.is_multilingual = True
model.save_pretrained(out); processor.save_pretrained(out)
print(json.dumps({"utterances": len(data), "steps": steps, "seconds": round(time.perf_counter() - started, 1),
                  "first_loss": losses[0], "last_loss": losses[-1],
                  "parameters": sum(p.numel() for p in model.parameters())}))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-python", required=True, type=Path, help="Python of the venv with the training stack.")
    parser.add_argument("--steps", type=int, default=60, help="Training steps on the whole tiny corpus (default 60).")
    args = parser.parse_args()
    base = install_whisper_base(Path("~/.cache/sauti/models/whisper-base"))
    sauti = [sys.executable, "-m", "sauti"]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        config = make_data_dir(folder / "data", {})
        with Store.open(config.db_path) as store:
            for number, text in enumerate(SENTENCES):
                raw, wav = folder / f"{number}-raw.wav", folder / f"{number}.wav"
                subprocess.run(["espeak-ng", "-v", "sw", "-w", str(raw), text], check=True)
                subprocess.run(["sox", str(raw), "-r", "8000", "-b", "16", "-c", "1", str(wav)], check=True)
                alert = store_alert(store, config, wav, language="sw")
                store.add_transcript(alert["id"], text, origin="verifier", author="vera")
                store.set_shareable(alert["id"], True, "ada")
        corpus_dir = folder / "corpus"
        exported = subprocess.run([*sauti, "--data", str(config.data_dir), "export", "corpus", "--lang", "sw",
                                   "--out", str(corpus_dir)], capture_output=True, text=True, cwd=ROOT)
        print(f"1. sauti export corpus: {exported.stdout.strip() or exported.stderr.strip()}")

        trained = folder / "tiny-sw"
        started = time.perf_counter()
        result = subprocess.run([str(args.train_python), "-c", TRAIN, str(corpus_dir), str(base), str(trained),
                                 str(args.steps)], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"2. training failed:\n{result.stderr[-3000:]}")
            return
        print(f"2. trained from the audio folder: {result.stdout.strip().splitlines()[-1]} "
              f"(whole step {time.perf_counter() - started:.0f} s)")
        converted = folder / "tiny-sw-ct2"
        converter = Path(args.train_python).parent / "ct2-transformers-converter"
        started = time.perf_counter()
        result = subprocess.run([str(converter), "--model", str(trained), "--output_dir", str(converted),
                                 "--copy_files", "tokenizer.json", "preprocessor_config.json",
                                 "--quantization", "int8"], capture_output=True, text=True)
        if result.returncode != 0:
            print(f"   conversion failed:\n{result.stderr[-3000:]}")
            return
        size = sum(p.stat().st_size for p in converted.iterdir())
        print(f"   converted with ct2-transformers-converter (int8) in {time.perf_counter() - started:.1f} s: "
              f"{', '.join(sorted(p.name for p in converted.iterdir()))} ({size / 1e6:.1f} MB)")

        added = subprocess.run([*sauti, "--data", str(config.data_dir), "models", "add", "sw", str(converted)],
                               capture_output=True, text=True, cwd=ROOT)
        print(f"3. sauti models add sw: {(added.stdout or added.stderr).strip().splitlines()[0]}")
        heard = subprocess.run([*sauti, "--data", str(config.data_dir), "transcribe", "--lang", "sw",
                                str(folder / "0.wav")], capture_output=True, text=True, cwd=ROOT)
        print(f"   sauti transcribe: {' | '.join((heard.stdout or heard.stderr).strip().splitlines())}")


if __name__ == "__main__":
    main()
