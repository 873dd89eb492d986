// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The crawl rules: what a crawler reads from a page (its title, its links) and when two URLs are
// one page. The C++ crawlers (crawlsupport.h) and the Qt Quick crawler (a QML singleton over
// these functions) share them, so that they read the same links the same way.
//
// A page is read the way a browser reads it, as far as a crawler needs: a small tokenizer that
// follows the HTML standard's tokenization (comments, raw-text elements, attributes, character
// references), not a pattern over the whole text, which finds links inside comments and scripts
// and misses ones written differently. Header-only, Qt 6.4, no AioUtils.
//
// What it leaves out, knowingly: the tree (a <title> inside <svg> counts as the page's title),
// script contents that themselves hold "<!--" and "<script" (the script ends at the first
// </script>), <noscript> contents (read as markup, as with scripting off), CDATA sections in SVG,
// and named character references without their ';' (they stay text: "?a=1&copy=2" is a query,
// not "?a=1©=2").

#ifndef CRAWLRULES_H
#define CRAWLRULES_H

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QStringView>
#include <QtCore/QUrl>

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>

namespace Crawl {

// Whether a URL scheme is one a crawler fetches: http or https.
inline bool isWebScheme(const QString &scheme)
{
    return scheme == QLatin1String("http") || scheme == QLatin1String("https");
}

// Not API: the pieces the rules below are made of.
namespace detail {

// HTML's "ASCII whitespace".
constexpr bool isHtmlSpace(char16_t c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\f' || c == u'\r';
}
constexpr bool isAsciiAlpha(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}
constexpr bool isAsciiDigit(char16_t c)
{
    return c >= u'0' && c <= u'9';
}
constexpr bool isAsciiHexDigit(char16_t c)
{
    return isAsciiDigit(c) || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}
constexpr int hexValue(char16_t c)
{
    return isAsciiDigit(c) ? c - u'0' : (c | 0x20) - u'a' + 10;
}
constexpr char16_t asciiLower(char16_t c)
{
    return c >= u'A' && c <= u'Z' ? char16_t(c + (u'a' - u'A')) : c;
}

// HTML's names of U+00A0 to U+00FF, in code point order (ISO 8859-1's, since HTML 2).
inline constexpr const char *Latin1EntityNames[] = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",
    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn",
    "sup2",   "sup3",   "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",
    "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde",
    "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave",
    "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde",
    "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",
    "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",   "eth",
    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml",
};
static_assert(std::size(Latin1EntityNames) == 0x100 - 0xA0);

struct NamedEntity
{
    const char *name;
    char16_t character;
};

// The other names a crawler meets in titles and links: markup's five, typography, arrows.
inline constexpr NamedEntity OtherEntities[] = {
    { "amp", u'&' },         { "lt", u'<' },          { "gt", u'>' },
    { "quot", u'"' },        { "apos", u'\'' },       { "OElig", u'\u0152' },
    { "oelig", u'\u0153' },  { "Scaron", u'\u0160' }, { "scaron", u'\u0161' },
    { "Yuml", u'\u0178' },   { "fnof", u'\u0192' },   { "circ", u'\u02C6' },
    { "tilde", u'\u02DC' },  { "ensp", u'\u2002' },   { "emsp", u'\u2003' },
    { "thinsp", u'\u2009' }, { "zwnj", u'\u200C' },   { "zwj", u'\u200D' },
    { "lrm", u'\u200E' },    { "rlm", u'\u200F' },    { "ndash", u'\u2013' },
    { "mdash", u'\u2014' },  { "lsquo", u'\u2018' },  { "rsquo", u'\u2019' },
    { "sbquo", u'\u201A' },  { "ldquo", u'\u201C' },  { "rdquo", u'\u201D' },
    { "bdquo", u'\u201E' },  { "dagger", u'\u2020' }, { "Dagger", u'\u2021' },
    { "bull", u'\u2022' },   { "hellip", u'\u2026' }, { "permil", u'\u2030' },
    { "prime", u'\u2032' },  { "Prime", u'\u2033' },  { "lsaquo", u'\u2039' },
    { "rsaquo", u'\u203A' }, { "oline", u'\u203E' },  { "euro", u'\u20AC' },
    { "trade", u'\u2122' },  { "larr", u'\u2190' },   { "uarr", u'\u2191' },
    { "rarr", u'\u2192' },   { "darr", u'\u2193' },   { "harr", u'\u2194' },
    { "minus", u'\u2212' },  { "infin", u'\u221E' },  { "ne", u'\u2260' },
    { "le", u'\u2264' },     { "ge", u'\u2265' },     { "hearts", u'\u2665' },
};

// The character of a named reference (case matters: &Auml; is not &auml;); 0 if unknown.
inline char16_t namedEntity(QStringView name)
{
    for (std::size_t i = 0; i < std::size(Latin1EntityNames); ++i) {
        if (name == QLatin1String(Latin1EntityNames[i]))
            return char16_t(0xA0 + i);
    }
    for (const NamedEntity &entity : OtherEntities) {
        if (name == QLatin1String(entity.name))
            return entity.character;
    }
    return 0;
}

// A numeric reference to 0x80-0x9F means the Windows-1252 character of that byte (pages that
// were written in it say &#150; for an en dash, and the HTML standard keeps them working); 0
// where Windows-1252 has none and the code point stays.
inline constexpr char16_t Windows1252[32] = {
    u'\u20AC', 0,         u'\u201A', u'\u0192', u'\u201E', u'\u2026', u'\u2020', u'\u2021',
    u'\u02C6', u'\u2030', u'\u0160', u'\u2039', u'\u0152', 0,         u'\u017D', 0,
    0,         u'\u2018', u'\u2019', u'\u201C', u'\u201D', u'\u2022', u'\u2013', u'\u2014',
    u'\u02DC', u'\u2122', u'\u0161', u'\u203A', u'\u0153', 0,         u'\u017E', u'\u0178',
};

// Appends the character of a numeric reference: U+FFFD for none (0, a surrogate, past U+10FFFF).
inline void appendCodePoint(QString &out, char32_t code)
{
    if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
        out += QChar(QChar::ReplacementCharacter);
    } else if (code >= 0x80 && code <= 0x9F && Windows1252[code - 0x80] != 0) {
        out += QChar(Windows1252[code - 0x80]);
    } else if (QChar::requiresSurrogates(code)) {
        out += QChar(QChar::highSurrogate(code));
        out += QChar(QChar::lowSurrogate(code));
    } else {
        out += QChar(char16_t(code));
    }
}

// Strips leading and trailing ASCII whitespace and makes each run inside one space (what a
// browser does to a title; QString::simplified() would fold a &nbsp; too).
inline QString collapseHtmlSpace(QStringView text)
{
    QString out;
    out.reserve(text.size());
    bool space = false;
    for (const QChar c : text) {
        if (isHtmlSpace(c.unicode())) {
            space = !out.isEmpty();
            continue;
        }
        if (space)
            out += u' ';
        space = false;
        out += c;
    }
    return out;
}

// One start tag: names in lower case (HTML's are ASCII case-insensitive), values decoded.
struct StartTag
{
    struct Attribute
    {
        QString name;
        QString value;
    };
    QString name;
    QList<Attribute> attributes; // each name once: the first one wins, as in a browser

    const QString *attribute(QStringView attributeName) const
    {
        for (const Attribute &attribute : attributes) {
            if (attribute.name == attributeName)
                return &attribute.value;
        }
        return nullptr;
    }
};

// decodeEntities(), below.
inline QString decodeEntitiesOf(QStringView text)
{
    if (!text.contains(u'&'))
        return text.toString();
    QString out;
    out.reserve(text.size());
    const qsizetype size = text.size();
    qsizetype i = 0;
    while (i < size) {
        const QChar c = text[i];
        qsizetype end = i + 1;
        if (c != u'&') {
            out += c;
            ++i;
            continue;
        }
        if (end < size && text[end] == u'#') {
            ++end;
            const bool hex = end < size && (text[end] == u'x' || text[end] == u'X');
            if (hex)
                ++end;
            const qsizetype digits = end;
            char32_t code = 0;
            for (; end < size; ++end) {
                const char16_t digit = text[end].unicode();
                if (hex ? !isAsciiHexDigit(digit) : !isAsciiDigit(digit))
                    break;
                // Past 0x10FFFF it is no character whatever follows: stop counting there.
                code = std::min<char32_t>(code * (hex ? 16 : 10) + hexValue(digit), 0x110000);
            }
            if (end > digits) {
                if (end < size && text[end] == u';')
                    ++end;
                appendCodePoint(out, code);
                i = end;
                continue;
            }
        } else {
            while (end < size
                   && (isAsciiAlpha(text[end].unicode()) || isAsciiDigit(text[end].unicode())))
                ++end;
            if (end > i + 1 && end < size && text[end] == u';') {
                if (const char16_t named = namedEntity(text.sliced(i + 1, end - i - 1))) {
                    out += QChar(named);
                    i = end + 1;
                    continue;
                }
            }
        }
        out += c; // no reference: the '&' is text
        ++i;
    }
    return out;
}

// The start tags of an HTML document, in order, as the HTML standard's tokenizer reads them; the
// rest (text, end tags, comments, doctype, processing instructions) is passed over. The contents
// of an element that holds text, not markup (script, style, title, textarea, ...), are no tags.
class Tokenizer
{
public:
    explicit Tokenizer(QStringView html) : m_html(html) { }

    // The next start tag; false at the end of the document.
    bool next(StartTag *tag)
    {
        const qsizetype size = m_html.size();
        while (m_position < size) {
            const qsizetype open = m_html.indexOf(u'<', m_position);
            if (open < 0 || open + 1 >= size)
                break;
            m_position = open + 1;
            const char16_t c = m_html[m_position].unicode();
            if (c == u'!') {
                if (m_html.sliced(m_position + 1).startsWith(u"--"))
                    skipComment(m_position + 3);
                else
                    skipBogusComment(m_position + 1); // <!DOCTYPE ...>, <![CDATA[ ... >
            } else if (c == u'?') {
                skipBogusComment(m_position);
            } else if (c == u'/') {
                ++m_position;
                if (m_position < size && isAsciiAlpha(m_html[m_position].unicode())) {
                    StartTag endTag; // read like a start tag, so that a '>' in a quote is no end
                    readTag(&endTag);
                } else if (m_position < size && m_html[m_position] == u'>') {
                    ++m_position; // "</>" is nothing
                } else {
                    skipBogusComment(m_position);
                }
            } else if (isAsciiAlpha(c)) {
                if (readTag(tag)) {
                    skipTextContents(tag->name);
                    return true;
                }
            }
            // Any other '<' is text.
        }
        m_position = size;
        return false;
    }

    // After a start tag of an element whose contents are text: those contents, up to its end tag
    // (or the end of the document, where a browser ends them too); empty after any other tag.
    QStringView text() const { return m_text; }

private:
    // From just after "<!--". A comment ends at "-->" or "--!>"; "<!-->" and "<!--->" are empty
    // comments; one without an end runs to the end of the document.
    void skipComment(qsizetype from)
    {
        const qsizetype size = m_html.size();
        if (from < size && m_html[from] == u'>') {
            m_position = from + 1;
            return;
        }
        if (from + 1 < size && m_html[from] == u'-' && m_html[from + 1] == u'>') {
            m_position = from + 2;
            return;
        }
        for (qsizetype dashes = m_html.indexOf(u"--", from); dashes >= 0;
             dashes = m_html.indexOf(u"--", dashes + 1)) {
            const QStringView after = m_html.sliced(dashes + 2);
            if (after.startsWith(u'>') || after.startsWith(u"!>")) {
                m_position = dashes + (after.startsWith(u'>') ? 3 : 4);
                return;
            }
        }
        m_position = size;
    }

    // Up to the next '>'.
    void skipBogusComment(qsizetype from)
    {
        const qsizetype end = m_html.indexOf(u'>', from);
        m_position = end < 0 ? m_html.size() : end + 1;
    }

    // From the tag name's first letter to just after the tag's '>'. False if the document ends
    // inside the tag: a browser drops such a tag.
    bool readTag(StartTag *tag)
    {
        const qsizetype size = m_html.size();
        qsizetype i = m_position;
        tag->name.clear();
        tag->attributes.clear();
        for (; i < size; ++i) {
            const char16_t c = m_html[i].unicode();
            if (isHtmlSpace(c) || c == u'/' || c == u'>')
                break;
            tag->name += QChar(asciiLower(c));
        }
        const auto skipSpace = [&] {
            while (i < size && isHtmlSpace(m_html[i].unicode()))
                ++i;
        };
        for (;;) {
            skipSpace();
            if (i >= size)
                break;
            if (m_html[i] == u'>') {
                m_position = i + 1;
                return true;
            }
            if (m_html[i] == u'/') { // "/>" or a stray '/'; either way nothing for a crawler
                ++i;
                continue;
            }
            StartTag::Attribute attribute;
            // A name may start with '=' (a browser's parse error, kept as part of the name).
            attribute.name += QChar(asciiLower(m_html[i].unicode()));
            for (++i; i < size; ++i) {
                const char16_t c = m_html[i].unicode();
                if (isHtmlSpace(c) || c == u'/' || c == u'>' || c == u'=')
                    break;
                attribute.name += QChar(asciiLower(c));
            }
            skipSpace();
            if (i < size && m_html[i] == u'=') {
                ++i;
                skipSpace();
                if (i >= size)
                    break;
                const QChar quote = m_html[i];
                if (quote == u'"' || quote == u'\'') {
                    const qsizetype end = m_html.indexOf(quote, i + 1);
                    if (end < 0)
                        break;
                    attribute.value = decodeEntitiesOf(m_html.sliced(i + 1, end - i - 1));
                    i = end + 1;
                } else {
                    const qsizetype start = i;
                    while (i < size && !isHtmlSpace(m_html[i].unicode()) && m_html[i] != u'>')
                        ++i;
                    attribute.value = decodeEntitiesOf(m_html.sliced(start, i - start));
                }
            }
            if (!tag->attribute(attribute.name))
                tag->attributes.append(attribute);
        }
        m_position = size;
        return false;
    }

    // After the start tag of an element whose contents are text: to its end tag, which the next
    // call of next() reads.
    void skipTextContents(const QString &name)
    {
        m_text = QStringView();
        static constexpr const char *textElements[] = { "script", "style",  "title",   "textarea",
                                                        "xmp",    "iframe", "noembed", "noframes" };
        if (std::none_of(std::begin(textElements), std::end(textElements),
                         [&name](const char *element) { return name == QLatin1String(element); }))
            return;
        const qsizetype size = m_html.size();
        qsizetype end = m_position;
        for (;; end += 2) {
            end = m_html.indexOf(u"</", end);
            // "</title" is its end tag only if a space, '/' or '>' follows.
            const qsizetype after = end + 2 + name.size();
            if (end < 0 || after >= size) {
                end = size;
                break;
            }
            const char16_t c = m_html[after].unicode();
            if (m_html.sliced(end + 2, name.size()).compare(name, Qt::CaseInsensitive) == 0
                && (isHtmlSpace(c) || c == u'/' || c == u'>'))
                break;
        }
        m_text = m_html.sliced(m_position, end - m_position);
        m_position = end;
    }

    QStringView m_html;
    qsizetype m_position = 0;
    QStringView m_text;
};

// Whether a URL is http or https with a host: a page a crawler can fetch.
inline bool isWebPage(const QUrl &url)
{
    return url.isValid() && isWebScheme(url.scheme()) && !url.host().isEmpty();
}

// `href` resolved against `base` (an http or https URL) as a browser reads it (the URL standard,
// which differs from RFC 3986 in what pages get away with): leading and trailing spaces and
// control characters go, tabs and newlines inside go, '\' is '/' before the query, "http:x" on
// an http page is the relative "x", and "http:/x", "http:///x" and "///x" name the host x. The
// rest is RFC 3986's resolution, which QUrl::resolved() does.
inline QUrl resolve(const QUrl &base, QStringView href)
{
    while (!href.isEmpty() && href.front().unicode() <= 0x20)
        href = href.sliced(1);
    while (!href.isEmpty() && href.back().unicode() <= 0x20)
        href.chop(1);
    QString reference;
    reference.reserve(href.size());
    bool inQuery = false;
    for (const QChar c : href) {
        if (c == u'\t' || c == u'\n' || c == u'\r')
            continue;
        inQuery = inQuery || c == u'?' || c == u'#';
        reference += !inQuery && c == u'\\' ? QChar(u'/') : c;
    }

    qsizetype schemeEnd = 0;
    if (!reference.isEmpty() && isAsciiAlpha(reference.front().unicode())) {
        schemeEnd = 1;
        while (schemeEnd < reference.size()) {
            const char16_t c = reference[schemeEnd].unicode();
            if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != u'+' && c != u'-' && c != u'.')
                break;
            ++schemeEnd;
        }
        if (schemeEnd == reference.size() || reference[schemeEnd] != u':')
            schemeEnd = 0;
    }
    const QString scheme = reference.left(schemeEnd).toLower();
    const auto withoutSlashes = [](QStringView text) {
        while (text.startsWith(u'/'))
            text = text.sliced(1);
        return text;
    };
    if (isWebScheme(scheme)) {
        const QStringView rest = QStringView(reference).sliced(schemeEnd + 1);
        if (scheme == base.scheme() && !rest.startsWith(u"//"))
            reference = rest.toString();
        else
            reference = scheme + QLatin1String("://") + withoutSlashes(rest).toString();
    } else if (schemeEnd == 0 && reference.startsWith(u"///") && isWebPage(base)) {
        reference = QLatin1String("//") + withoutSlashes(reference).toString();
    }
    return base.resolved(QUrl(reference));
}

// Percent-encoding in one spelling (RFC 3986, 6.2.2): upper-case hex digits, and the unreserved
// characters (ALPHA DIGIT - . _ ~) not encoded. Reserved ones stay as they are: "%2F" in a path
// and "%26" in a query mean something else than '/' and '&'.
inline QString normalizePercentEncoding(QStringView encoded)
{
    QString out;
    out.reserve(encoded.size());
    const qsizetype size = encoded.size();
    for (qsizetype i = 0; i < size; ++i) {
        const QChar c = encoded[i];
        if (c != u'%' || i + 2 >= size || !isAsciiHexDigit(encoded[i + 1].unicode())
            || !isAsciiHexDigit(encoded[i + 2].unicode())) {
            out += c;
            continue;
        }
        const char16_t byte = char16_t(hexValue(encoded[i + 1].unicode()) * 16
                                       + hexValue(encoded[i + 2].unicode()));
        if (isAsciiAlpha(byte) || isAsciiDigit(byte) || byte == u'-' || byte == u'.' || byte == u'_'
            || byte == u'~') {
            out += QChar(byte);
        } else {
            out += u'%';
            out += encoded[i + 1].toUpper();
            out += encoded[i + 2].toUpper();
        }
        i += 2;
    }
    return out;
}

// RFC 3986, 5.2.4, on an absolute path: "." goes, ".." goes with the segment before it (none
// above the root), and a path that ended in one ends in "/".
inline QString removeDotSegments(const QString &path)
{
    if (!path.startsWith(u'/'))
        return path;
    const QStringList segments = path.sliced(1).split(u'/');
    QStringList kept;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const QString &segment = segments.at(i);
        const bool isDot = segment == QLatin1String(".");
        const bool isDotDot = segment == QLatin1String("..");
        if (isDotDot && !kept.isEmpty())
            kept.removeLast();
        if (!isDot && !isDotDot)
            kept.append(segment);
        else if (i == segments.size() - 1)
            kept.append(QString());
    }
    return u'/' + kept.join(u'/');
}

} // namespace detail

// The HTML character references in `text` decoded, as a browser decodes them in text and
// attribute values: the named ones this header knows (&amp; &lt; &gt; &quot; &apos; &nbsp;, all
// of Latin-1's such as &eacute; &uuml; &szlig; &copy;, typography such as &mdash; &hellip;
// &rsquo; &trade;), always with their ';'; decimal and hexadecimal ones (&#8212; &#038; &#x2014;
// &#X2014;), with or without their ';', where a code point that is no character gives U+FFFD
// and 128-159 give Windows-1252's characters. Any other '&' stays as it is.
inline QString decodeEntities(QStringView text)
{
    return detail::decodeEntitiesOf(text);
}

// The page's title: the text of its first <title> element (none inside a comment or a script),
// references decoded, leading and trailing whitespace gone and each run of it inside one space.
// An empty string if the page has none.
inline QString titleOf(QStringView html)
{
    detail::Tokenizer tokenizer(html);
    detail::StartTag tag;
    while (tokenizer.next(&tag)) {
        if (tag.name == QLatin1String("title"))
            return detail::collapseHtmlSpace(decodeEntities(tokenizer.text()));
    }
    return QString();
}

// One spelling per page, so that a set of URLs holds a page once however its links spell it: the
// syntax-based and the scheme-based normalization of RFC 3986 (6.2.2, 6.2.3) without the
// fragment. Scheme and host in lower case, no default port (80 for http, 443 for https), "/" for
// an empty path, no "." or ".." segments, and percent-encoding in one spelling: "ü", "%C3%BC" and
// "%c3%bc" are one URL, so are "~" and "%7E" (unreserved characters are not encoded), and a space
// and "%20"; encoded reserved characters stay encoded ("%2F" in a path is not '/', "%26" and
// "%3D" in a query are not '&' and '='). An empty query ("/p?") stays: it is another request than
// "/p". A URL that is not http or https with a host only loses its fragment.
inline QUrl canonical(const QUrl &url)
{
    if (!detail::isWebPage(url))
        return url.adjusted(QUrl::RemoveFragment);
    // Built from the fully encoded components: in that form QUrl has already encoded what must
    // be encoded (non-ASCII, spaces, "{", ...), so only the escapes are left to normalize.
    const QString scheme = url.scheme().toLower();
    QString text = scheme + QLatin1String("://");
    const QString userInfo = url.userInfo(QUrl::FullyEncoded);
    if (!userInfo.isEmpty())
        text += detail::normalizePercentEncoding(userInfo) + u'@';
    const QString host = url.host(QUrl::FullyEncoded).toLower();
    text += host.contains(u':') ? u'[' + host + u']' : host; // an IPv6 address
    const int defaultPort = scheme == QLatin1String("https") ? 443 : 80;
    if (url.port() != -1 && url.port() != defaultPort)
        text += u':' + QString::number(url.port());
    // Escapes first, so that "%2E%2E" is a ".." segment too (RFC 3986, 6.2.2's order).
    const QString path = detail::removeDotSegments(
            detail::normalizePercentEncoding(url.path(QUrl::FullyEncoded)));
    text += path.isEmpty() ? QStringLiteral("/") : path;
    if (url.hasQuery())
        text += u'?' + detail::normalizePercentEncoding(url.query(QUrl::FullyEncoded));
    return QUrl(text);
}

// Whether two http or https URLs are on one site: the same scheme, host and port, compared in
// their canonical form ("HTTP://Example.com:80" and "http://example.com" are one site). False
// if either is not an http or https URL with a host.
inline bool sameSite(const QUrl &a, const QUrl &b)
{
    if (!detail::isWebPage(a) || !detail::isWebPage(b))
        return false;
    const QUrl first = canonical(a);
    const QUrl second = canonical(b);
    return first.scheme() == second.scheme()
            && first.host(QUrl::FullyEncoded) == second.host(QUrl::FullyEncoded)
            && first.port() == second.port();
}

// The links of a page at `base`: the href of each <a> and <area> start tag, in document order,
// resolved and in canonical form, the http and https ones only (no mailto:, javascript:, ...).
// Read as a browser reads them: none from a comment (one without its end runs to the end of the
// page) or from the contents of <script>, <style>, <textarea> and the like; the attribute named
// "href" in any case, not "data-href"; the first one if a tag has two; the value quoted with '"'
// or '\'' or not quoted, its character references decoded ("?a=1&#038;b=2" is "?a=1&b=2"). The
// first <base href> of the page, if it has one, is what they are relative to. The same link may
// come more than once.
inline QList<QUrl> linksOf(QStringView html, const QUrl &base)
{
    detail::Tokenizer tokenizer(html);
    detail::StartTag tag;
    QStringList hrefs;
    std::optional<QString> baseHref;
    while (tokenizer.next(&tag)) {
        const QString *href = tag.attribute(u"href");
        if (!href)
            continue;
        if (tag.name == QLatin1String("a") || tag.name == QLatin1String("area"))
            hrefs.append(*href);
        else if (tag.name == QLatin1String("base") && !baseHref)
            baseHref = *href;
    }
    QUrl documentBase = base;
    if (baseHref) {
        const QUrl declared = detail::resolve(base, *baseHref);
        if (detail::isWebPage(declared))
            documentBase = declared;
    }
    QList<QUrl> links;
    links.reserve(hrefs.size());
    for (const QString &href : std::as_const(hrefs)) {
        const QUrl link = detail::resolve(documentBase, href);
        if (detail::isWebPage(link))
            links.append(canonical(link));
    }
    return links;
}

// Whether a Content-Type header value is an HTML page: text/html or application/xhtml+xml, in
// any case, parameters such as "; charset=utf-8" aside. An empty value is not: without a type
// a browser would sniff the body, and a crawler that does not should not read it as a page.
inline bool isHtml(const QByteArray &contentType)
{
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray type =
            (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
    return type == "text/html" || type == "application/xhtml+xml";
}

} // namespace Crawl

#endif // CRAWLRULES_H
