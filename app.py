"""Gradio app: a chat over the Python API (minimal; the full UI builds on this)."""

from __future__ import annotations

import html

import index  # noqa: F401  (offline environment before gradio loads)
import gradio as gr

from assistant import Assistant, AskResult
from index import Settings


def build(assistant: Assistant) -> gr.Blocks:
    def ask(question: str):
        result = assistant.ask(question)
        return result.answer, result.to_dict()

    def chat(message, history):
        for item in assistant.stream(message):
            if isinstance(item, AskResult):
                sources = "\n\n".join(
                    f"**[{c.ref}]** {c.date} · {c.type} · {c.status}\n\n> {html.escape(c.quote)}"
                    for c in item.citations)
                yield item.answer + ("\n\n---\n" + sources if sources else "")

    with gr.Blocks(title="Complaint Chat") as demo:
        gr.Markdown("# Complaint Chat")
        gr.ChatInterface(chat)
        with gr.Row(visible=False):
            q, a, j = gr.Textbox(), gr.Markdown(), gr.JSON()
            gr.Button().click(ask, q, [a, j], api_name="ask")
    return demo


def serve(settings: Settings | None = None, host: str = "127.0.0.1", port: int = 7860) -> None:
    assistant = Assistant.open(settings=settings or Settings.from_env(), create=True)
    build(assistant).queue(default_concurrency_limit=4).launch(server_name=host, server_port=port)


if __name__ == "__main__":
    serve()
