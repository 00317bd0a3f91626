/** A dictionary string whose `backticked` parts are commands: shown as code, without the backticks. */
export function CodeText({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, i) =>
        // Odd parts were between backticks.
        i % 2 === 1 ? <code key={i}>{part}</code> : part,
      )}
    </>
  );
}
