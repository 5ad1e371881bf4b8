namespace ViGoR;

/// <summary>One problem found while reading an annotations file.</summary>
/// <param name="File">The file's path as given (or the source name of in-memory text).</param>
/// <param name="Line">One-based line number.</param>
/// <param name="Field">
/// The JSON path of the offending field, e.g. <c>sentences[2].end</c> or <c>id</c>; empty when the
/// whole line is unreadable (not JSON, not an object).
/// </param>
/// <param name="Message">What is wrong, e.g. "120 is past the end of the description (98 characters)".</param>
public sealed record AnnotationProblem(string File, int Line, string Field, string Message)
{
    /// <summary>"file, line N, field: message" (or "file, line N: message" when there is no field).</summary>
    public override string ToString() =>
        Field.Length == 0 ? $"{File}, line {Line}: {Message}" : $"{File}, line {Line}, {Field}: {Message}";
}
