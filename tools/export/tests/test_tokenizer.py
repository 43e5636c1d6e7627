import os
import tempfile
import unittest

import json

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

from retake_export.common.errors import ExportError
from retake_export.text import component, hf_fast, tiny_tokenizer

IDS = {"pad": 0, "bos": 1, "eos": 2, "eot": 3, "bot": 4}


class TinyTokenizerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "tokenizer.model")
        tiny_tokenizer.build(cls.path)
        cls.sp = spm.SentencePieceProcessor(model_file=cls.path)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_layout_of_the_real_vocabulary(self):
        sp = self.sp
        self.assertEqual(sp.get_piece_size(), 74752)
        self.assertEqual([sp.id_to_piece(i) for i in range(5)], ["<unk>", "<s>", "</s>", "<|EOT|>", "<|BOT|>"])
        self.assertEqual((sp.unk_id(), sp.bos_id(), sp.eos_id()), (0, 1, 2))
        self.assertEqual(sp.piece_to_id("<0x0A>"), 5 + 0x0A)
        for n in (0, 1, 1023, 1024, 5119):
            self.assertEqual(sp.piece_to_id(f"<audio_{n}>"), 65536 + n)
        self.assertTrue(sp.is_control(3) and sp.is_control(4) and sp.is_control(70656))

    def test_audio_tokens_inside_text_are_single_pieces(self):
        ids = self.sp.encode("<audio_12><audio_1030><audio_5119>")
        self.assertEqual(ids[-3:], [65548, 66566, 70655])

    def test_byte_fallback_round_trips_unseen_characters(self):
        text = "emoji 😀 and 龘"
        ids = self.sp.encode(text)
        self.assertIn(5 + 0xF0, ids)
        self.assertEqual(self.sp.decode(ids), text)
        self.assertNotIn(0, ids)

    def test_normalizer_is_not_llamas_so_the_modes_differ(self):
        with open(self.path, "rb") as f:
            data = f.read()
        self.assertEqual(component.normalizer_spec(data), {
            "name": "nmt_nfkc", "addDummyPrefix": True, "removeExtraWhitespaces": True, "escapeWhitespaces": True,
            "precompiledCharsmap": True})
        fast = hf_fast.FastLlamaTokenizer(data)
        # sentencepiece applies nmt_nfkc (newline -> space, full-width -> ASCII) and drops the trailing whitespace;
        # the fast tokenizer keeps the text as typed.
        self.assertEqual(self.sp.encode("human\n", out_type=str), self.sp.encode("human", out_type=str))
        self.assertEqual(fast.encode_pieces("human\n")[-1], "<0x0A>")
        self.assertNotEqual(fast.encode("ＡＢ  x"), self.sp.encode("ＡＢ  x"))

    def test_the_build_is_deterministic(self):
        other = os.path.join(self.tmp.name, "again.model")
        tiny_tokenizer.build(other)
        with open(self.path, "rb") as a, open(other, "rb") as b:
            self.assertEqual(a.read(), b.read())


class FastReferenceTest(unittest.TestCase):
    """The semantics of retake_export.text.hf_fast that the goldens rest on."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "tokenizer.model")
        tiny_tokenizer.build(cls.path)
        with open(cls.path, "rb") as f:
            cls.data = f.read()
        cls.tok = hf_fast.FastLlamaTokenizer(cls.data)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_prefix_only_at_the_start_of_the_call(self):
        t = self.tok
        self.assertEqual(t.encode_pieces("<audio_1>ab")[0], "<audio_1>")
        self.assertNotIn("\u2581", "".join(t.encode_pieces("<audio_1>ab")))
        self.assertEqual("".join(t.encode_pieces(" ab")), "\u2581ab")
        self.assertEqual("".join(t.encode_pieces("ab <audio_1> cd")), "\u2581ab\u2581<audio_1>\u2581cd")
        self.assertEqual(t.encode(""), [])

    def test_special_tokens_and_byte_piece_names_are_read_from_text(self):
        self.assertEqual(self.tok.encode("<|BOT|><s><|EOT|>"), [4, 1, 3])
        self.assertEqual(self.tok.encode("<unk>"), [0])
        self.assertEqual(self.tok.encode("<audio_0><0x41>"), [65536, 5 + 0x41])
        self.assertEqual(self.tok.encode("x", add_bos=True)[0], 1)

    def test_refuses_bpe_models(self):
        proto = sp_pb2.ModelProto()
        proto.ParseFromString(self.data)
        proto.trainer_spec.model_type = sp_pb2.TrainerSpec.BPE
        with self.assertRaises(hf_fast.NotUnigram):
            hf_fast.FastLlamaTokenizer(proto.SerializeToString())


class ChatTemplateTest(unittest.TestCase):
    def test_reads_the_template_and_its_token_strings(self):
        cfg = {"chat_template": "{{ bos_token }}x", "bos_token": "<s>", "unk_token": {"content": "<unk>"},
               "eos_token": None, "add_bos_token": False}
        self.assertEqual(component.chat_template_from_config(cfg, "cfg"),
                         {"template": "{{ bos_token }}x", "specialTokens": {"bos_token": "<s>", "unk_token": "<unk>"}})
        named = {"chat_template": [{"name": "tool_use", "template": "t"}, {"name": "default", "template": "d"}]}
        self.assertEqual(component.chat_template_from_config(named, "cfg")["template"], "d")
        self.assertIsNone(component.chat_template_from_config({}, "cfg"))

    def test_refuses_what_it_cannot_read(self):
        for cfg, msg in [({"chat_template": [{"name": "tool_use", "template": "t"}]}, 'none is "default"'),
                         ({"chat_template": ""}, "not a non-empty string"),
                         ({"chat_template": "x", "bos_token": 5}, "bos_token is neither")]:
            with self.assertRaisesRegex(ExportError, msg):
                component.chat_template_from_config(cfg, "cfg")

    def test_folder_falls_back_to_chat_template_jinja(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertIsNone(component.read_chat_template(d))
            with open(os.path.join(d, "chat_template.jinja"), "w") as f:
                f.write("{{ messages }}")
            with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
                json.dump({"bos_token": "<s>"}, f)
            self.assertEqual(component.read_chat_template(d),
                             {"template": "{{ messages }}", "specialTokens": {"bos_token": "<s>"}})

    def test_model_revision_must_be_a_date(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "tokenizer.model")
            tiny_tokenizer.build(path)
            with self.assertRaisesRegex(ExportError, "YYYY-MM-DD"):
                component.component(d, "tokenizer.model", 74752, IDS, 65536, 5120, None, "Jan 2026")
            self.assertEqual(component.component(d, "tokenizer.model", 74752, IDS, 65536, 5120, None,
                                                 "2025-11-20")["modelRevision"], "2025-11-20")

    def test_paralinguistic_tags_follow_the_revision(self):
        first = component.paralinguistic_tags(None)
        self.assertEqual(len(first), 10)
        self.assertIn("Laughter", first)
        self.assertEqual(component.paralinguistic_tags("2025-11-20"), first)
        new = component.paralinguistic_tags("2026-01-29")
        self.assertEqual(len(new), 22)
        self.assertIn("clears throat", new)
        self.assertEqual(component.paralinguistic_tags("2026-04-01"), new)
        self.assertTrue(all("[" not in t and "]" not in t for t in first + new))
        with tempfile.TemporaryDirectory() as d:
            tiny_tokenizer.build(os.path.join(d, "tokenizer.model"))
            entry = component.component(d, "tokenizer.model", 74752, IDS, 65536, 5120, None, "2026-01-29")
            self.assertEqual(entry["paralinguisticTags"], new)


if __name__ == "__main__":
    unittest.main()
