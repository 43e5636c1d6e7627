import os
import tempfile
import unittest

import torch
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

from retake_export.lm import fp16_check
from retake_export.text import tiny_tokenizer
from retake_export.text import tokenizer_check
from retake_export.common.errors import ExportError
from retake_export.lm.step1 import Step1, init_random, tiny_config

IDS = {"pad": 0, "bos": 1, "eos": 2, "eot": 3, "bot": 4}


class TokenizerCheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "tokenizer.model")
        tiny_tokenizer.build(cls.path)
        with open(cls.path, "rb") as f:
            cls.good = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def edited(self, edit) -> bytes:
        proto = sp_pb2.ModelProto()
        proto.ParseFromString(self.good)
        for p in proto.pieces:
            edit(p)
        return proto.SerializeToString()

    def problems(self, data: bytes, **kw):
        args = dict(vocab_size=74752, special_ids=IDS, audio_base=65536, audio_count=5120)
        args.update(kw)
        return tokenizer_check.problems(data, **args)

    def test_accepts_the_tiny_tokenizer(self):
        self.assertEqual(self.problems(self.good), [])
        tokenizer_check.check(self.path, 74752, IDS, 65536, 5120)

    def test_names_audio_pieces_the_mode_does_not_read_as_one_token(self):
        def typed(t):
            def edit(p):
                if p.piece.startswith("<audio_"):
                    p.type = t
            return edit

        P = sp_pb2.ModelProto.SentencePiece
        # The default transformers-fast mode reads added tokens, CONTROL pieces among them; sentencepiece does not.
        control = self.edited(typed(P.CONTROL))
        self.assertEqual(self.problems(control), [])
        found = self.problems(control, mode="sentencepiece")
        self.assertEqual(len(found), 1)
        self.assertRegex(found[0], r"^it reads '<audio_0><audio_1024><audio_5119>' as \[65, .*\(24 ids\)'\] instead of "
                                   r"\[65536, 66560, 70655\] \(<audio_0> is a CONTROL piece; audio pieces must be "
                                   r"USER_DEFINED to be read as one token by the sentencepiece tokenizer\)$")
        found = self.problems(self.edited(typed(P.NORMAL)))
        self.assertEqual(len(found), 1)
        self.assertRegex(found[0], r"^it reads '<audio_0><audio_1024><audio_5119>' as \[.*\] instead of "
                                   r"\[65536, 66560, 70655\] \(<audio_0> is a NORMAL piece; audio pieces must be "
                                   r"USER_DEFINED or CONTROL to be read as one token by the transformers-fast tokenizer\)$")

    def test_names_special_tokens_away_from_their_ids_and_a_wrong_base_or_size(self):
        def swap(p):
            if p.piece in ("<|BOT|>", "<|EOT|>"):
                p.piece = "<|EOT|>" if p.piece == "<|BOT|>" else "<|BOT|>"

        self.assertEqual(self.problems(self.edited(swap)), [
            "<|BOT|> must be id 4 (bot) but the tokenizer has it at 3",
            "<|EOT|> must be id 3 (eot) but the tokenizer has it at 4",
        ])
        self.assertEqual(self.problems(self.good, vocab_size=74753), ["it has 74752 pieces, the manifest says 74753"])
        found = self.problems(self.good, audio_base=65535)
        self.assertEqual(found, ["it reads '<audio_0><audio_1024><audio_5119>' as [65536, 66560, 70655] instead of "
                                 "[65535, 66559, 70654]"])

    def test_check_raises_an_export_error_naming_the_file(self):
        bad = os.path.join(self.tmp.name, "bad.model")
        with open(bad, "wb") as f:
            f.write(self.good)
        with self.assertRaisesRegex(ExportError, r"bad\.model does not give the ids the pack manifest promises: "
                                                 r"<s> must be id 9 \(bos\) but the tokenizer has it at 1"):
            tokenizer_check.check(bad, 74752, dict(IDS, bos=9), 65536, 5120)
        with open(bad, "wb") as f:
            f.write(b"not a model")
        with self.assertRaisesRegex(ExportError, r"bad\.model is not a sentencepiece model"):
            tokenizer_check.check(bad, 74752, IDS, 65536, 5120)


class Fp16CheckTest(unittest.TestCase):
    def setUp(self):
        self.model = Step1(tiny_config())
        init_random(self.model, 5)
        self.prompts = fp16_check.calibration_prompts(74752, 65536, 5120)

    def test_calibration_prompts_are_edit_shaped_and_inside_the_vocabulary(self):
        self.assertEqual(len(self.prompts), 3)
        for p in self.prompts:
            self.assertEqual(p[:2], [1, 4])
            self.assertTrue(all(0 <= t < 74752 for t in p))
            self.assertGreaterEqual(sum(1 for t in p if 65536 <= t < 70656), 100)
        self.assertEqual(self.prompts, fp16_check.calibration_prompts(74752, 65536, 5120))

    def test_records_per_layer_maxima_in_fp32(self):
        rec = fp16_check.check_fp16(self.model, self.prompts)
        self.assertEqual(rec["prompts"], 3)
        self.assertEqual(rec["ids"], sum(len(p) for p in self.prompts))
        self.assertEqual((len(rec["residual"]), len(rec["swiglu"])), (2, 2))
        self.assertTrue(all(0 < v < 100 for v in rec["residual"] + rec["swiglu"]))
        # A bf16 copy is measured layer by layer in fp32 and gives the same maxima up to bf16 weight rounding.
        bf16 = Step1(tiny_config())
        bf16.load_state_dict(self.model.state_dict())
        rec16 = fp16_check.check_fp16(bf16.to(torch.bfloat16), self.prompts)
        for a, b in zip(rec["residual"] + rec["swiglu"], rec16["residual"] + rec16["swiglu"]):
            self.assertAlmostEqual(a, b, delta=0.02 * a)
        self.assertEqual(next(bf16.parameters()).dtype, torch.bfloat16, "the model itself stays bf16")

    def test_refuses_activations_beyond_the_limit(self):
        with torch.no_grad():
            self.model.model.layers[1].mlp.up_proj.weight.mul_(4000)
        with self.assertRaisesRegex(ExportError, r"layer 1 swiglu reaches [3-9]\.\d+e\+04; the fp16 graph accepts "
                                                 r"activations up to 30000 .*--dtypes fp32"):
            fp16_check.check_fp16(self.model, self.prompts)
        with torch.no_grad():
            self.model.model.layers[1].mlp.up_proj.weight.fill_(float("nan"))
        with self.assertRaisesRegex(ExportError, r"layer 1 swiglu reaches inf"):
            fp16_check.check_fp16(self.model, self.prompts)
