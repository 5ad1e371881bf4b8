using Microsoft.Extensions.Logging.Abstractions;

namespace ViGoR.Annotation.Web.Tests;

/// <summary>
/// A temporary folder with two images, a secret file beside (not under) the images folder, three
/// descriptions to label, and a real Kestrel server on a free loopback port.
/// </summary>
internal sealed class ToolFolder : IAsyncDisposable
{
    public const string Secret = "the secret beside the images";

    public ToolFolder()
    {
        Root = Directory.CreateTempSubdirectory("vigor-annotate-").FullName;
        Images = Directory.CreateDirectory(Path.Combine(Root, "images")).FullName;
        Directory.CreateDirectory(Path.Combine(Images, "sub"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "image0.png"), Path.Combine(Images, "a.png"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "image1.png"), Path.Combine(Images, "sub", "b.png"));
        File.WriteAllText(Path.Combine(Root, "secret.txt"), Secret);
        Output = Path.Combine(Root, "labels.jsonl");
    }

    public string Root { get; }

    public string Images { get; }

    public string Output { get; }

    public static IReadOnlyList<AnnotationWorkItem> Items { get; } =
    [
        new("a-0", "a.png", "Describe the image.", "A red square is in the middle. A dog sits in the corner."),
        new("a-1", "a.png", "Describe the image.", "The background is blue."),
        new("b-0", "sub/b.png", "Describe the image.", "A purple circle is on the left. There is one shape."),
    ];

    public AnnotationServer? Server { get; private set; }

    public AnnotationToolOptions Options(string? token = null, long maxBody = 256 * 1024) => new()
    {
        Items = Items,
        ImagesDirectory = Images,
        OutputPath = Output,
        Annotator = "ann",
        Token = token,
        MaxRequestBodyBytes = maxBody,
    };

    public async Task<HttpClient> StartAsync(AnnotationToolOptions? options = null)
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Server = await AnnotationServer.StartAsync(options ?? Options(), new AnnotationServerOptions { Port = 0 }, NullLoggerFactory.Instance);
        return new HttpClient { BaseAddress = new Uri(Server.Url.GetLeftPart(UriPartial.Authority) + "/") };
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }
}
