"""Adapters name their base by model id; the export keeps selftune's files out; pulls skip other weight formats."""
import json
import os

from conftest import make_spec, run_inprocess
from selftune_trainer import protocol
from selftune_trainer.hub_pull import wanted
from selftune_trainer.model_export import export_model


def test_lora_adapters_name_their_base_by_model_id(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, training_mode="lora", n_epochs=1, base_model_id="acme/tiny-base")
    code, _ = run_inprocess(spec)
    assert code == 0
    out = spec["output_dir"]
    saved = [os.path.join(out, "final")] + [os.path.join(out, "checkpoints", d, "model") for d in os.listdir(os.path.join(out, "checkpoints"))]
    for folder in saved:
        with open(os.path.join(folder, "adapter_config.json")) as f:
            assert json.load(f)["base_model_name_or_path"] == "acme/tiny-base", folder


def test_adapter_export_renames_the_base_without_touching_the_stored_adapter(tiny_model, tmp_path):
    spec = make_spec(tiny_model, tmp_path, training_mode="lora", n_epochs=1)  # no base_model_id: an older spec
    assert run_inprocess(spec)[0] == 0
    final = os.path.join(spec["output_dir"], "final")
    events = []
    protocol.set_sink(events.append)
    try:
        files = export_model(final, str(tmp_path / "export"), "lora", base_id="acme/tiny-base")
    finally:
        protocol.set_sink(None)
    assert events[-1]["event"] == "exported"
    assert "adapter_model.safetensors" in files and "selftune_model.json" not in files
    with open(tmp_path / "export" / "adapter_config.json") as f:
        assert json.load(f)["base_model_name_or_path"] == "acme/tiny-base"
    with open(os.path.join(final, "adapter_config.json")) as f:
        assert json.load(f)["base_model_name_or_path"] == tiny_model  # the stored copy is unchanged


def test_pulls_fetch_safetensors_and_skip_other_weight_formats():
    for name in ("config.json", "model.safetensors", "model-00001-of-00002.safetensors", "tokenizer.json", "tokenizer.model", "README.md"):
        assert wanted(name, [])
    for name in ("pytorch_model.bin", "model.gguf", "original/consolidated.00.pth", "onnx/model.onnx", "tf_model.h5", "flax_model.msgpack"):
        assert not wanted(name, [])
    assert wanted("pytorch_model.bin", ["*.bin"]) and not wanted("model.gguf", ["*.bin"])
