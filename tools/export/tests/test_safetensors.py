import json
import os
import struct
import tempfile
import unittest

import torch

from retake_export.common.safetensors_io import SafetensorsError, SafetensorsFile, save_file


class SafetensorsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_round_trip_keeps_bits_of_every_dtype(self):
        g = torch.Generator().manual_seed(0)
        tensors = {
            "a.bf16": torch.randn(3, 5, generator=g).to(torch.bfloat16),
            "b.f32": torch.randn(7, generator=g),
            "c.f16": torch.randn(2, 2, 2, generator=g).half(),
            "d.i64": torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4),
            "e.u8": torch.arange(0, 250, 7, dtype=torch.uint8),
            "f.scalar": torch.tensor(2.5),
        }
        save_file(self.path("x.safetensors"), tensors, {"format": "pt"})
        with SafetensorsFile(self.path("x.safetensors")) as f:
            self.assertEqual(sorted(f.keys()), sorted(tensors))
            self.assertEqual(f.metadata, {"format": "pt"})
            for name, t in tensors.items():
                got = f.get(name)
                self.assertEqual(got.dtype, t.dtype, name)
                self.assertEqual(tuple(got.shape), tuple(t.shape), name)
                self.assertTrue(torch.equal(got, t), name)
            self.assertEqual(f.dtype("a.bf16"), "BF16")

    def test_bf16_is_read_by_bits(self):
        # 0x3F80 is 1.0 and 0xC040 is -3.0 in bfloat16: written by hand, not by our writer.
        header = json.dumps({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}).encode()
        with open(self.path("h.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(header)) + header + struct.pack("<HH", 0x3F80, 0xC040))
        with SafetensorsFile(self.path("h.safetensors")) as f:
            self.assertEqual(f.get("w").float().tolist(), [1.0, -3.0])

    def test_rejects_broken_files(self):
        with open(self.path("short.safetensors"), "wb") as f:
            f.write(b"\x01\x02")
        with self.assertRaisesRegex(SafetensorsError, "too short"):
            SafetensorsFile(self.path("short.safetensors"))
        header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
        with open(self.path("trunc.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", len(header)) + header + b"\x00" * 8)
        with self.assertRaisesRegex(SafetensorsError, "inconsistent offsets"):
            SafetensorsFile(self.path("trunc.safetensors"))
        with open(self.path("json.safetensors"), "wb") as f:
            f.write(struct.pack("<Q", 5) + b"{nope")
        with self.assertRaisesRegex(SafetensorsError, "not valid JSON"):
            SafetensorsFile(self.path("json.safetensors"))


if __name__ == "__main__":
    unittest.main()
