using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Logging;

namespace ViGoR.Annotation.Web;

/// <summary>Maps the annotation tool's page and API onto an ASP.NET Core app.</summary>
/// <remarks>
/// Routes (under the group's prefix): <c>GET /</c> the page, <c>GET /app.js</c>, <c>GET /app.css</c>,
/// <c>GET /api/session</c> (annotator, progress, where to resume), <c>GET /api/items/{index}</c>
/// (one description with its sentences and, with assist, the pipeline's signals),
/// <c>GET /images/{path}</c> (files under the images folder only), and <c>POST /api/labels</c>
/// (validated by the code of <c>vigor annotations validate</c>, then appended and flushed to disk
/// before the answer). Every route passes the token or loopback check; the POST also needs the
/// same origin.
/// </remarks>
public static class AnnotationToolEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();
    private static readonly Dictionary<string, (byte[] Bytes, string Type)> Page = LoadPage();

    /// <summary>Maps <paramref name="tool"/>'s routes under <paramref name="prefix"/> (default: the root).</summary>
    /// <returns>The route group, for more conventions (authorisation, rate limits).</returns>
    public static RouteGroupBuilder MapAnnotationTool(this IEndpointRouteBuilder endpoints, AnnotationTool tool, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(tool);
        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
            return AnnotationToolSecurity.Check(http, tool.Options) ?? await next(context);
        });

        foreach (var (name, file) in Page.Where(p => p.Key != "index.html"))
        {
            group.MapGet($"/{name}", () => Results.Bytes(file.Bytes, file.Type));
        }

        // The page's requests are relative ("api/session"), so under a prefix it must be opened as
        // "/prefix/", not "/prefix": the latter is redirected, keeping the query (the token).
        var index = Page["index.html"];
        group.MapGet("/", (HttpContext http) => http.Request.Path.Value?.EndsWith('/') == false
            ? Results.Redirect($"{http.Request.PathBase}{http.Request.Path}/{http.Request.QueryString}")
            : Results.Bytes(index.Bytes, index.Type));

        group.MapGet("/api/session", () => Results.Json(Session(tool), Json));
        group.MapGet("/api/items/{index:int}", (int index) => index < 0 || index >= tool.Options.Items.Count
            ? Results.NotFound()
            : Results.Json(Item(tool, index), Json));
        group.MapGet("/images/{**path}", (string? path) => Image(tool, path ?? string.Empty));
        group.MapPost("/api/labels", (HttpContext http, CancellationToken cancellationToken) => SaveAsync(tool, http, cancellationToken));
        return group;
    }

    private static object Session(AnnotationTool tool) => new
    {
        tool.Options.Annotator,
        Done = tool.Done,
        Total = tool.Options.Items.Count,
        tool.FirstUnlabelled,
        tool.Options.Assist,
        ErrorKinds = SentenceErrorKindNames.Errors.Select(e => e.Name),
    };

    private static object Item(AnnotationTool tool, int index)
    {
        var item = tool.Options.Items[index];
        var label = tool.Store.Latest(item.Id);
        return new
        {
            Index = index,
            item.Id,
            ImageUrl = "images/" + string.Join('/', item.Image.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString)),
            item.Prompt,
            item.Description,
            Labelled = label is not null,
            Revision = label?.Revision,
            Sentences = tool.Sentences(index, label).Select(s => new
            {
                s.Start,
                s.End,
                Errors = s.Errors.Select(e => SentenceErrorKindNames.ToName(e)),
                s.Creative,
            }),
            Detail = label?.Detail,
            Missing = label?.Missing,
            Assist = tool.Options.Assist ? item.Assist : null,
        };
    }

    private static IResult Image(AnnotationTool tool, string path) =>
        ResolveImage(tool.ImagesRoot, path) is { } full
            ? Results.File(full, ContentTypes.TryGetContentType(full, out var type) ? type : "application/octet-stream")
            : Results.NotFound();

    /// <summary>
    /// The file <paramref name="path"/> names under <paramref name="root"/>, or null when it names
    /// anything else: resolved first, then required to lie inside the root, so '..', absolute paths
    /// and separators that reach here decoded all end up refused. Folders are never listed.
    /// </summary>
    internal static string? ResolveImage(string root, string path)
    {
        var full = Path.GetFullPath(Path.Combine(root, path));
        var inside = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(inside, StringComparison.Ordinal) || !File.Exists(full))
        {
            return null;
        }

        // A symbolic link under the root (the file or a folder on its way) may point anywhere: follow
        // each one and refuse the file unless it stays under the root.
        for (FileSystemInfo? entry = new FileInfo(full); entry is not null && entry.FullName.Length > inside.Length; entry = Directory.GetParent(entry.FullName))
        {
            if (entry.LinkTarget is not null
                && (entry.ResolveLinkTarget(returnFinalTarget: true) is not { } target || !Path.GetFullPath(target.FullName).StartsWith(inside, StringComparison.Ordinal)))
            {
                return null;
            }
        }

        return full;
    }

    private static async Task<IResult> SaveAsync(AnnotationTool tool, HttpContext http, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(http, tool.Options.MaxRequestBodyBytes, cancellationToken);
        if (body is null)
        {
            return Results.Problem($"The request body is larger than {tool.Options.MaxRequestBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        JsonObject? label;
        try
        {
            label = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException e)
        {
            return Results.Problem($"The body is not JSON: {e.Message}", statusCode: StatusCodes.Status400BadRequest);
        }

        if (label?["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id) || tool.IndexOf(id) is not { } index)
        {
            return Results.Problem("The body needs the 'id' of a description of this session.", statusCode: StatusCodes.Status400BadRequest);
        }

        // The text fields come from the work item, never from the page; the page supplies only the labels.
        var item = tool.Options.Items[index];
        var line = new JsonObject
        {
            ["id"] = item.Id,
            ["image"] = item.Image,
            ["prompt"] = item.Prompt,
            ["description"] = item.Description,
            ["sentences"] = label["sentences"]?.DeepClone(),
            ["detail"] = label["detail"]?.DeepClone(),
            ["missing"] = label["missing"]?.DeepClone(),
        };
        AnnotatedDescription description;
        try
        {
            // The same validator as `vigor annotations validate`: what is saved always validates.
            description = Annotations.Parse(line.ToJsonString(), $"the label of '{id}'", tool.Options.ImagesDirectory).Descriptions[0];
        }
        catch (InvalidDataException e)
        {
            return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
        }

        var saved = await tool.Store.SaveAsync(description, cancellationToken);
        tool.Logger.LogDebug("Saved {Id} revision {Revision} to {Path}.", saved.Id, saved.Revision, tool.Store.Path);
        return Results.Json(new { Saved = true, saved.Id, saved.Revision, tool.Done, Total = tool.Options.Items.Count, tool.FirstUnlabelled }, Json);
    }

    /// <summary>The body, or null when it is larger than <paramref name="limit"/> (declared or actual).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit + 1; // so the server stops a chunked body too; the count below decides
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.ToArray();
    }

    private static Dictionary<string, (byte[] Bytes, string Type)> LoadPage()
    {
        const string prefix = "ViGoR.Annotation.Web.wwwroot.";
        var assembly = typeof(AnnotationToolEndpoints).Assembly;
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(
            n => n[prefix.Length..],
            n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                var name = n[prefix.Length..];
                return (copy.ToArray(), (ContentTypes.TryGetContentType(name, out var type) ? type : "application/octet-stream") + "; charset=utf-8");
            });
    }
}
