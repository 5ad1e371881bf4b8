using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ViGoR.Annotation.Web;

/// <summary>
/// The checks every request of the tool passes: the token (constant time) when there is one,
/// else a loopback Host name (a page on another site cannot reach the tool by DNS rebinding); and
/// for a state-changing request, a same-origin check, so that another site's page cannot post labels.
/// </summary>
internal static class AnnotationToolSecurity
{
    public const string CookieName = "vigor-token";
    public const string HeaderName = "X-Vigor-Token";

    /// <summary>Null when the request may go on; else the refusal.</summary>
    public static IResult? Check(HttpContext http, AnnotationToolOptions options)
    {
        var request = http.Request;
        if (options.Token is { } token)
        {
            var query = request.Query["token"].ToString();
            var given = request.Headers[HeaderName].ToString() is { Length: > 0 } header ? header
                : query.Length > 0 ? query
                : request.Cookies[CookieName] ?? string.Empty;
            if (!TokenEquals(given, token))
            {
                return Results.Problem("A valid token is required: open the address the tool printed, with ?token=...", statusCode: StatusCodes.Status401Unauthorized);
            }

            if (query.Length > 0)
            {
                // The token arrives once in the address; from then on the browser sends it as a cookie no other site can send.
                http.Response.Cookies.Append(CookieName, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            }
        }
        else if (!IsLoopbackHost(request.Host.Host))
        {
            return Results.Problem($"Host '{request.Host.Host}' is not a loopback name; without a token the tool answers only 127.0.0.1, [::1] and localhost.", statusCode: StatusCodes.Status403Forbidden);
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !IsSameOrigin(request))
        {
            return Results.Problem("Cross-origin request refused: labels are saved only from the tool's own page.", statusCode: StatusCodes.Status403Forbidden);
        }

        return null;
    }

    /// <summary>Constant-time comparison: both sides are hashed first, so neither content nor length leaks through timing.</summary>
    public static bool TokenEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>True for an address or name that only this machine can reach.</summary>
    public static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    // Browsers send Origin on every POST; Sec-Fetch-Site where Origin is stripped. A request with neither
    // comes from a program, not a page, and a program on this machine could write the file anyway.
    private static bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
                && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase);
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length == 0 || site is "same-origin" or "none";
    }
}
