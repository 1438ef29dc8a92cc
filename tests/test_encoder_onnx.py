"""EMBED_BACKEND=onnx-int8 (the `fast` extra): what a user would notice against fp32.

The sample is indexed once more with the int8 encoder; the same questions must find the same
complaints first, vectors must keep their shape and unit length, and an index answers only
with the encoder that built it.
"""

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")  # the one-time export (torch.onnx writes through it)

# Questions the fp32 index answers on the sample, of several kinds (policy, which, outcome).
QUESTIONS = [
    "How does Charter handle mid-cycle cancellations?",
    "Does Spectrum prorate the final bill after you cancel or move?",
    "Do they waive late fees?",
    "Does Spectrum charge a fee for autopay?",
    "When does Charter refuse to give a credit adjustment?",
    "Which complaints were sent to a debt collector or collections?",
    "Which customers were still billed after they cancelled or disconnected?",
]


@pytest.fixture(scope="module")
def int8_index(tmp_path_factory, sample_path):
    from index import ComplaintStore, Settings, ingest

    home = tmp_path_factory.mktemp("int8_index")
    settings = Settings.from_env(home=home, chroma_host="", embed_backend="onnx-int8")
    report = ingest([sample_path], settings, ComplaintStore(settings))
    assert not report.errors
    return home


@pytest.fixture(scope="module")
def int8_assistant(int8_index):
    from assistant import Assistant
    from index import Settings

    return Assistant.open(settings=Settings.from_env(home=int8_index, chroma_host="", embed_backend="onnx-int8"))


def _top(assistant, question, k=3):
    return [e.complaint.complaint_id for e in assistant.retrieve(question, k=k)]


@pytest.mark.parametrize("question", QUESTIONS)
def test_int8_finds_the_same_complaints_first(assistant, int8_assistant, question):
    fp32, int8 = _top(assistant, question), _top(int8_assistant, question)
    assert fp32, "the fp32 index answers this question"
    assert int8[:1] == fp32[:1]
    assert len(set(int8) & set(fp32)) >= min(2, len(fp32))


def test_int8_still_abstains_on_a_question_the_complaints_do_not_address(int8_assistant):
    result = int8_assistant.ask("What is the recipe for banana bread?")
    assert not result.citations


def test_int8_vectors_have_the_fp32_shape_and_unit_length(assistant, int8_assistant):
    from index.embedding import encode_passages

    question = QUESTIONS[0]
    fp32_q = np.array(assistant.embed_model.get_query_embedding(question))
    int8_q = np.array(int8_assistant.embed_model.get_query_embedding(question))
    assert int8_q.shape == fp32_q.shape == (384,)
    assert abs(np.linalg.norm(int8_q) - 1) < 1e-4
    assert float(fp32_q @ int8_q) > 0.98

    text = "I cancelled mid-cycle. They billed me for the whole month anyway."
    spans = [[(0, 22), (23, len(text))]]
    s = int8_assistant.settings
    vectors, sentences = encode_passages(s.embed_model_path, [text], spans, s.embed_device, s.embed_backend,
                                         s.embed_cache)
    ref_vectors, ref_sentences = encode_passages(s.embed_model_path, [text], spans)
    assert np.array(vectors).shape == np.array(ref_vectors).shape == (1, 384)
    assert abs(np.linalg.norm(vectors[0]) - 1) < 1e-4
    for vec, ref in zip(sentences[0], ref_sentences[0]):
        assert vec.shape == ref.shape == (384,)
        assert abs(np.linalg.norm(vec) - 1) < 1e-4 and float(vec @ ref) > 0.97


def test_an_index_answers_only_with_the_encoder_that_built_it(cli, int8_index, sample_index, sample_path):
    from index import ComplaintStore, Settings, ingest
    from index.encoder_record import EncoderMismatch

    result = cli("ask", "Do they waive late fees?", "--index", str(int8_index), env={"EMBED_BACKEND": "torch"})
    assert result.returncode == 1
    assert "EMBED_BACKEND=onnx-int8" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    # nor grows with another: refused before anything is written to the (shared) fp32 index
    settings = Settings.from_env(home=sample_index, chroma_host="", embed_backend="onnx-int8")
    with pytest.raises(EncoderMismatch, match="EMBED_BACKEND=torch"):
        ingest([sample_path], settings, ComplaintStore(settings))
