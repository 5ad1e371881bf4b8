namespace ViGoR.Evaluation;

/// <summary>One labelled POPE question (a line of <c>coco_pope_&lt;split&gt;.json</c>).</summary>
/// <param name="QuestionId">The id in the label file.</param>
/// <param name="Image">The image file name, e.g. <c>COCO_val2014_000000310196.jpg</c>.</param>
/// <param name="Text">The question, e.g. "Is there a snowboard in the image?".</param>
/// <param name="IsYes">True when the label is "yes" (the object is in the image).</param>
/// <param name="Source">The label file.</param>
/// <param name="Line">One-based line in <paramref name="Source"/>.</param>
public sealed record PopeLabel(string QuestionId, string Image, string Text, bool IsYes, string Source, int Line);

/// <summary>The labels of one POPE split (random, popular or adversarial).</summary>
/// <param name="Split">The split name, from the file name <c>coco_pope_&lt;split&gt;.json</c>.</param>
/// <param name="Labels">The labels in file order.</param>
public sealed record PopeLabelSet(string Split, IReadOnlyList<PopeLabel> Labels);

/// <summary>One question as it was asked (a line of LLaVA's <c>llava_pope_test.jsonl</c>).</summary>
/// <param name="QuestionId">The id answers refer to.</param>
/// <param name="Image">The image file name.</param>
/// <param name="Text">The prompt, usually with the answer-format suffix.</param>
/// <param name="Category">The split the question belongs to, when the file says.</param>
/// <param name="Source">The question file.</param>
/// <param name="Line">One-based line in <paramref name="Source"/>.</param>
public sealed record PopeQuestion(string QuestionId, string Image, string Text, string? Category, string Source, int Line);

/// <summary>
/// One answer: LLaVA's format (<c>question_id, prompt, text</c>) or POPE's (<c>question, answer</c>),
/// optionally with <c>image</c> and <c>category</c>.
/// </summary>
/// <param name="QuestionId">The question id, when the line has one.</param>
/// <param name="Image">The image, when the line has one.</param>
/// <param name="Question">The question or prompt text, when the line has one.</param>
/// <param name="Category">The split, when the line has one.</param>
/// <param name="Text">The model's free-text answer.</param>
/// <param name="Source">The answer file.</param>
/// <param name="Line">One-based line in <paramref name="Source"/>.</param>
public sealed record PopeAnswer(string? QuestionId, string? Image, string? Question, string? Category, string Text, string Source, int Line);
