// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

// The crawl rules the example crawlers share (examples/common/crawlrules.h): each row states the
// exact output, so a rule that changes fails its row.

#include "crawlrules.h"

#include <QtCore/qhash.h>
#include <QtCore/qstringlist.h>
#include <QtCore/qurl.h>
#include <QtTest/qtest.h>

namespace {

QStringList spellings(const QList<QUrl> &urls)
{
    QStringList result;
    for (const QUrl &url : urls)
        result.append(url.toString(QUrl::FullyEncoded));
    return result;
}

const QString PageUrl = QStringLiteral("http://example.com/dir/page.html?old=1#top");

} // namespace

class tst_CrawlRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodeEntities_data();
    void decodeEntities();
    void titleOf_data();
    void titleOf();
    void linksOf_data();
    void linksOf();
    void canonical_data();
    void canonical();
    void canonicalEquivalence_data();
    void canonicalEquivalence();
    void sameSite_data();
    void sameSite();
    void isHtml_data();
    void isHtml();
};

void tst_CrawlRules::decodeEntities_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("decoded");

    QTest::newRow("no reference") << QStringLiteral("a & b") << QStringLiteral("a & b");
    QTest::newRow("markup's five")
            << QStringLiteral("&amp;&lt;&gt;&quot;&apos;") << QStringLiteral("&<>\"'");
    QTest::newRow("nbsp") << QStringLiteral("a&nbsp;b") << QStringLiteral("a\u00A0b");
    QTest::newRow("typography")
            << QStringLiteral("&mdash;&ndash;&hellip;&laquo;&raquo;&lsquo;&rsquo;&ldquo;&rdquo;")
            << QStringLiteral("\u2014\u2013\u2026\u00AB\u00BB\u2018\u2019\u201C\u201D");
    QTest::newRow("signs") << QStringLiteral("&copy;&reg;&trade;&euro;")
                           << QStringLiteral("\u00A9\u00AE\u2122\u20AC");
    QTest::newRow("latin-1 letters")
            << QStringLiteral("&eacute;&uuml;&auml;&ouml;&szlig;&Auml;&yuml;")
            << QStringLiteral("\u00E9\u00FC\u00E4\u00F6\u00DF\u00C4\u00FF");
    QTest::newRow("names are case-sensitive")
            << QStringLiteral("&AMP;&Mdash;") << QStringLiteral("&AMP;&Mdash;");
    QTest::newRow("decimal") << QStringLiteral("&#8212;&#038;&#65;") << QStringLiteral("\u2014&A");
    QTest::newRow("hex") << QStringLiteral("&#x2014;&#X2014;&#x26;")
                         << QStringLiteral("\u2014\u2014&");
    QTest::newRow("numeric without ';'")
            << QStringLiteral("&#65B &#x41 &#038x") << QStringLiteral("AB A &x");
    QTest::newRow("beyond the BMP") << QStringLiteral("&#x1F600;") << QStringLiteral("\U0001F600");
    QTest::newRow("no character") << QStringLiteral("&#0;&#xD800;&#x110000;&#99999999999;")
                                  << QStringLiteral("\uFFFD\uFFFD\uFFFD\uFFFD");
    QTest::newRow("windows-1252 range") << QStringLiteral("&#150;&#151;&#128;&#x81;")
                                        << QStringLiteral("\u2013\u2014\u20AC\u0081");
    QTest::newRow("no digits") << QStringLiteral("&#;&#x;&#xg;") << QStringLiteral("&#;&#x;&#xg;");
    QTest::newRow("unknown name") << QStringLiteral("&bogus; &copy")
                                  << QStringLiteral("&bogus; &copy");
    QTest::newRow("name without ';' in a query")
            << QStringLiteral("?a=1&copy=2&lt=3") << QStringLiteral("?a=1&copy=2&lt=3");
    QTest::newRow("not twice") << QStringLiteral("&amp;lt;") << QStringLiteral("&lt;");
}

void tst_CrawlRules::decodeEntities()
{
    QFETCH(QString, text);
    QFETCH(QString, decoded);
    QCOMPARE(Crawl::decodeEntities(text), decoded);
}

void tst_CrawlRules::titleOf_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("title");

    QTest::newRow("plain") << QStringLiteral("<html><head><title>Hello</title></head></html>")
                           << QStringLiteral("Hello");
    QTest::newRow("none") << QStringLiteral("<html><h1>Hello</h1></html>") << QString();
    QTest::newRow("references") << QStringLiteral(
            "<title>A &#8212; B &mdash; C &amp; D &#x2014; E</title>")
                                << QStringLiteral("A \u2014 B \u2014 C & D \u2014 E");
    QTest::newRow("whitespace") << QStringLiteral("<title>\n  Two\t\tparts \r\n here  </title>")
                                << QStringLiteral("Two parts here");
    QTest::newRow("nbsp is no whitespace")
            << QStringLiteral("<title>&nbsp;a&nbsp;</title>") << QStringLiteral("\u00A0a\u00A0");
    QTest::newRow("upper case, attributes")
            << QStringLiteral("<TITLE lang=\"en\">Up</TiTlE>") << QStringLiteral("Up");
    QTest::newRow("in a comment") << QStringLiteral("<!-- <title>Old</title> --><title>New</title>")
                                  << QStringLiteral("New");
    QTest::newRow("in a script") << QStringLiteral(
            "<script>document.write('<title>No</title>')</script><title>Yes</title>")
                                 << QStringLiteral("Yes");
    QTest::newRow("the first") << QStringLiteral("<title>One</title><title>Two</title>")
                               << QStringLiteral("One");
    QTest::newRow("markup inside is text")
            << QStringLiteral("<title>a <b>bold</b> &lt;i&gt;</title>")
            << QStringLiteral("a <b>bold</b> <i>");
    QTest::newRow("not </titles>")
            << QStringLiteral("<title>a</titles>b</title>") << QStringLiteral("a</titles>b");
    QTest::newRow("no end tag: to the end")
            << QStringLiteral("<title>Cut off") << QStringLiteral("Cut off");
    QTest::newRow("empty") << QStringLiteral("<title></title>") << QString();
    QTest::newRow("not <titles>") << QStringLiteral("<titles>x</titles><title>y</title>")
                                  << QStringLiteral("y");
}

void tst_CrawlRules::titleOf()
{
    QFETCH(QString, html);
    QFETCH(QString, title);
    QCOMPARE(Crawl::titleOf(html), title);
}

void tst_CrawlRules::linksOf_data()
{
    QTest::addColumn<QString>("html");
    QTest::addColumn<QString>("base");
    QTest::addColumn<QStringList>("links");

    const QString base = PageUrl;
    const auto row = [&](const char *name, const QString &html, const QStringList &links) {
        QTest::newRow(name) << html << base << links;
    };

    // Attribute syntax.
    row("double quotes", QStringLiteral("<a href=\"/a\">a</a>"),
        { QStringLiteral("http://example.com/a") });
    row("single quotes", QStringLiteral("<a href='/a b'>a</a>"),
        { QStringLiteral("http://example.com/a%20b") });
    row("unquoted", QStringLiteral("<a href=/a?x=1>a</a>"),
        { QStringLiteral("http://example.com/a?x=1") });
    row("unquoted up to '>'", QStringLiteral("<a href=/a>x</a>"),
        { QStringLiteral("http://example.com/a") });
    row("quote inside other quotes", QStringLiteral("<a href=\"/it's\">"),
        { QStringLiteral("http://example.com/it's") });
    row("'>' inside quotes", QStringLiteral("<a title=\"a>b\" href=/x>"),
        { QStringLiteral("http://example.com/x") });
    row("upper case", QStringLiteral("<A HREF=\"/UP\">x</A>"),
        { QStringLiteral("http://example.com/UP") });
    row("spaces around '='", QStringLiteral("<a href \n= \t'/spaced'>"),
        { QStringLiteral("http://example.com/spaced") });
    row("no space between attributes", QStringLiteral("<a title=\"t\"href=\"/x\">"),
        { QStringLiteral("http://example.com/x") });
    row("after a slash", QStringLiteral("<a/href=/x>"), { QStringLiteral("http://example.com/x") });
    row("data-href is not href",
        QStringLiteral("<a data-href=\"/no\">x</a><a xhref=/no hrefx=/no>y</a>"), {});
    row("data-href before href", QStringLiteral("<a data-href=/no href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("the first href", QStringLiteral("<a href=/first href=/second>"),
        { QStringLiteral("http://example.com/first") });
    row("href without value", QStringLiteral("<a href>x</a>"),
        { QStringLiteral("http://example.com/dir/page.html?old=1") });
    row("no href", QStringLiteral("<a name=top>x</a>"), {});
    row("area", QStringLiteral("<map><area shape=rect href=/area></map>"),
        { QStringLiteral("http://example.com/area") });
    row("not other tags",
        QStringLiteral("<link href=/style.css><abbr href=/x><img href=/y><ab href=/z>"), {});
    row("tag cut off at the end", QStringLiteral("<a href=/ok><a href=\"/cut"),
        { QStringLiteral("http://example.com/ok") });
    row("document order", QStringLiteral("<a href=/2><a href=/1><a href=/2>"),
        { QStringLiteral("http://example.com/2"), QStringLiteral("http://example.com/1"),
          QStringLiteral("http://example.com/2") });

    // References in the value.
    row("&#038;", QStringLiteral("<a href=\"/p?a=1&#038;lang=en\">"),
        { QStringLiteral("http://example.com/p?a=1&lang=en") });
    row("&amp;", QStringLiteral("<a href=\"/p?a=1&amp;b=2\">"),
        { QStringLiteral("http://example.com/p?a=1&b=2") });
    row("&#x26;", QStringLiteral("<a href='/p?a=1&#x26;b=2'>"),
        { QStringLiteral("http://example.com/p?a=1&b=2") });
    row("unquoted &amp;", QStringLiteral("<a href=/p?a=1&amp;b=2>"),
        { QStringLiteral("http://example.com/p?a=1&b=2") });
    row("bare '&'", QStringLiteral("<a href=\"/p?a=1&copy=2\">"),
        { QStringLiteral("http://example.com/p?a=1&copy=2") });
    row("whitespace around", QStringLiteral("<a href=\" \n\t/trimmed \r\n\">"),
        { QStringLiteral("http://example.com/trimmed") });
    row("newline inside", QStringLiteral("<a href=\"/long\n-name\">"),
        { QStringLiteral("http://example.com/long-name") });

    // Comments.
    row("in a comment", QStringLiteral("<!-- <a href=/hidden> --><a href=/shown>"),
        { QStringLiteral("http://example.com/shown") });
    row("'>' in a comment", QStringLiteral("<!-- a > b <a href=/hidden> --><a href=/shown>"),
        { QStringLiteral("http://example.com/shown") });
    row("<!--> is a whole comment", QStringLiteral("<!--><a href=/after>"),
        { QStringLiteral("http://example.com/after") });
    row("<!---> is a whole comment", QStringLiteral("<!---><a href=/after>"),
        { QStringLiteral("http://example.com/after") });
    row("<!----> is a whole comment", QStringLiteral("<!----><a href=/after>"),
        { QStringLiteral("http://example.com/after") });
    row("--!> ends one", QStringLiteral("<!-- x --!><a href=/after>"),
        { QStringLiteral("http://example.com/after") });
    row("-- > does not", QStringLiteral("<!-- x -- > <a href=/hidden> --><a href=/after>"),
        { QStringLiteral("http://example.com/after") });
    row("unterminated comment",
        QStringLiteral("<a href=/before><!-- x > <a href=/hidden> -- > <a href=/hidden2>"),
        { QStringLiteral("http://example.com/before") });
    row("doctype and <? ?>", QStringLiteral("<!DOCTYPE html><?xml version=\"1.0\"?><a href=/x>"),
        { QStringLiteral("http://example.com/x") });
    row("end tag with a '>' in a quote", QStringLiteral("</p title='<a href=/no>'><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("'<' as text", QStringLiteral("1 < 2 <3 <a href=/x>"),
        { QStringLiteral("http://example.com/x") });

    // Elements whose contents are text.
    row("script", QStringLiteral("<script>var a = '<a href=\"/no\">';</script><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("script, upper case end",
        QStringLiteral("<SCRIPT type=x>'<a href=/no>'</Script ><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("script with '</' inside",
        QStringLiteral("<script>if (a </b) x = '</scripts>'; '<a href=/no>'</script><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("script without an end", QStringLiteral("<a href=/yes><script><a href=/no>"),
        { QStringLiteral("http://example.com/yes") });
    row("style", QStringLiteral("<style>a[x='<a href=/no>']{}</style><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("textarea", QStringLiteral("<textarea><a href=/no></textarea><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });
    row("title", QStringLiteral("<title><a href=/no></title><a href=/yes>"),
        { QStringLiteral("http://example.com/yes") });

    // Schemes.
    row("other schemes dropped",
        QStringLiteral("<a href=\"mailto:a@example.com\"><a href=\"javascript:void(0)\">"
                       "<a href=\"ftp://example.com/\"><a href=\"tel:123\"><a href=\"data:,x\">"),
        {});
    row("upper-case scheme", QStringLiteral("<a href=\"HTTPS://Example.com/x\">"),
        { QStringLiteral("https://example.com/x") });

    // Relative references, resolved against the page (RFC 3986, 5.2).
    row("?q only", QStringLiteral("<a href=\"?q=2\">"),
        { QStringLiteral("http://example.com/dir/page.html?q=2") });
    row("//host/p", QStringLiteral("<a href=\"//other.example/p\">"),
        { QStringLiteral("http://other.example/p") });
    row("../x", QStringLiteral("<a href=\"../x\">"), { QStringLiteral("http://example.com/x") });
    row("../ above the root", QStringLiteral("<a href=\"../../../x\">"),
        { QStringLiteral("http://example.com/x") });
    row("./", QStringLiteral("<a href=\"./\">"), { QStringLiteral("http://example.com/dir/") });
    row("empty: the page", QStringLiteral("<a href=\"\">"),
        { QStringLiteral("http://example.com/dir/page.html?old=1") });
    row("fragment only: the page", QStringLiteral("<a href=\"#part\">"),
        { QStringLiteral("http://example.com/dir/page.html?old=1") });
    row("relative path", QStringLiteral("<a href=\"sub/other.html#x\">"),
        { QStringLiteral("http://example.com/dir/sub/other.html") });
    row("absolute path", QStringLiteral("<a href=\"/a/./b/../c\">"),
        { QStringLiteral("http://example.com/a/c") });
    row("backslashes", QStringLiteral("<a href=\"\\a\\b?c\\d\">"),
        { QStringLiteral("http://example.com/a/b?c%5Cd") });
    row("http:rel on an http page", QStringLiteral("<a href=\"http:rel\">"),
        { QStringLiteral("http://example.com/dir/rel") });
    row("https:/host on an http page", QStringLiteral("<a href=\"https:/secure.example/x\">"),
        { QStringLiteral("https://secure.example/x") });
    row("base href",
        QStringLiteral("<a href=\"before\"><base href=\"/other/\"><a href=\"x\">"
                       "<base href=\"/ignored/\">"),
        { QStringLiteral("http://example.com/other/before"),
          QStringLiteral("http://example.com/other/x") });
    row("base href not http", QStringLiteral("<base href=\"javascript:x\"><a href=\"y\">"),
        { QStringLiteral("http://example.com/dir/y") });

    // Canonical form.
    row("canonical", QStringLiteral("<a href=\"HTTP://EXAMPLE.com:80/%7e%c3%bc#f\">"),
        { QStringLiteral("http://example.com/~%C3%BC") });

    QTest::newRow("https base") << QStringLiteral("<a href=\"//cdn.example/x\"><a href=\"?y\">")
                                << QStringLiteral("https://example.com:443/a")
                                << QStringList { QStringLiteral("https://cdn.example/x"),
                                                 QStringLiteral("https://example.com/a?y") };
}

void tst_CrawlRules::linksOf()
{
    QFETCH(QString, html);
    QFETCH(QString, base);
    QFETCH(QStringList, links);
    QCOMPARE(spellings(Crawl::linksOf(html, QUrl(base))), links);
}

void tst_CrawlRules::canonical_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("canonical");

    QTest::newRow("already") << QStringLiteral("http://example.com/a?b=c")
                             << QStringLiteral("http://example.com/a?b=c");
    QTest::newRow("empty path") << QStringLiteral("http://example.com")
                                << QStringLiteral("http://example.com/");
    QTest::newRow("empty path, query")
            << QStringLiteral("http://example.com?q") << QStringLiteral("http://example.com/?q");
    QTest::newRow("upper-case scheme and host") << QStringLiteral("HTTP://WWW.Example.COM/Path")
                                                << QStringLiteral("http://www.example.com/Path");
    QTest::newRow("http default port")
            << QStringLiteral("http://example.com:80/") << QStringLiteral("http://example.com/");
    QTest::newRow("https default port")
            << QStringLiteral("https://example.com:443/") << QStringLiteral("https://example.com/");
    QTest::newRow("other port stays") << QStringLiteral("http://example.com:443/")
                                      << QStringLiteral("http://example.com:443/");
    QTest::newRow("https on 80 stays") << QStringLiteral("https://example.com:80/")
                                       << QStringLiteral("https://example.com:80/");
    QTest::newRow("fragment") << QStringLiteral("http://example.com/a#frag")
                              << QStringLiteral("http://example.com/a");
    QTest::newRow("empty fragment")
            << QStringLiteral("http://example.com/a#") << QStringLiteral("http://example.com/a");
    QTest::newRow("dot segments") << QStringLiteral("http://example.com/a/./b/../c/.")
                                  << QStringLiteral("http://example.com/a/c/");
    QTest::newRow("dot-dot above the root") << QStringLiteral("http://example.com/../../a")
                                            << QStringLiteral("http://example.com/a");
    QTest::newRow("encoded dots") << QStringLiteral("http://example.com/a/%2E%2e/b")
                                  << QStringLiteral("http://example.com/b");
    QTest::newRow("double slash stays") << QStringLiteral("http://example.com/a//b")
                                        << QStringLiteral("http://example.com/a//b");
    QTest::newRow("non-ASCII") << QStringLiteral("http://example.com/\u00FC?q=\u00FC")
                               << QStringLiteral("http://example.com/%C3%BC?q=%C3%BC");
    QTest::newRow("lower-case escapes") << QStringLiteral("http://example.com/%c3%bc?q=%c3%bc")
                                        << QStringLiteral("http://example.com/%C3%BC?q=%C3%BC");
    QTest::newRow("unreserved decoded")
            << QStringLiteral("http://example.com/%7E%41%2d%5F%2E%30?%7e")
            << QStringLiteral("http://example.com/~A-_.0?~");
    QTest::newRow("space") << QStringLiteral("http://example.com/a b?c d")
                           << QStringLiteral("http://example.com/a%20b?c%20d");
    QTest::newRow("reserved stay encoded")
            << QStringLiteral("http://example.com/a%2fb%3B?x=%26%3d%2b")
            << QStringLiteral("http://example.com/a%2Fb%3B?x=%26%3D%2B");
    QTest::newRow("reserved stay literal")
            << QStringLiteral("http://example.com/a;b,c=d@e:f?g=h&i+j/k?")
            << QStringLiteral("http://example.com/a;b,c=d@e:f?g=h&i+j/k?");
    QTest::newRow("empty query stays")
            << QStringLiteral("http://example.com/p?") << QStringLiteral("http://example.com/p?");
    QTest::newRow("IDN host") << QStringLiteral("http://B\u00FCcher.example/")
                              << QStringLiteral("http://xn--bcher-kva.example/");
    QTest::newRow("IPv6 host") << QStringLiteral("http://[::1]:80/x")
                               << QStringLiteral("http://[::1]/x");
    QTest::newRow("user info") << QStringLiteral("http://us%65r@example.com/")
                               << QStringLiteral("http://user@example.com/");
    QTest::newRow("not http: only the fragment goes")
            << QStringLiteral("mailto:A@Example.COM#x") << QStringLiteral("mailto:A@Example.COM");
}

void tst_CrawlRules::canonical()
{
    QFETCH(QString, url);
    QFETCH(QString, canonical);
    const QUrl result = Crawl::canonical(QUrl(url));
    QCOMPARE(result.toString(QUrl::FullyEncoded), canonical);
    // Once is enough: the canonical form of a canonical URL is itself.
    QCOMPARE(Crawl::canonical(result), result);
    QCOMPARE(Crawl::canonical(result).toString(QUrl::FullyEncoded), canonical);
}

void tst_CrawlRules::canonicalEquivalence_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::addColumn<bool>("same");

    const auto row = [](const char *name, const char16_t *first, const char16_t *second,
                        bool same) {
        QTest::newRow(name) << QString::fromUtf16(first) << QString::fromUtf16(second) << same;
    };
    row("\u00FC and %C3%BC", u"http://h/\u00FC", u"http://h/%C3%BC", true);
    row("%C3%BC and %c3%bc", u"http://h/%C3%BC", u"http://h/%c3%bc", true);
    row("\u00FC and %c3%bc in a query", u"http://h/?q=\u00FC", u"http://h/?q=%c3%bc", true);
    row("~ and %7E", u"http://h/~user", u"http://h/%7Euser", true);
    row("space and %20", u"http://h/a b", u"http://h/a%20b", true);
    row("%2F and /", u"http://h/a%2Fb", u"http://h/a/b", false);
    row("%26 and & in a query", u"http://h/?a=1%262", u"http://h/?a=1&2", false);
    row("%3D and = in a query", u"http://h/?a%3D1", u"http://h/?a=1", false);
    row("default port", u"http://h:80/", u"http://h/", true);
    row("no path", u"https://h", u"https://h:443/", true);
    row("host case", u"http://EXAMPLE.com/", u"http://example.COM/", true);
    row("path case", u"http://h/A", u"http://h/a", false);
    row("fragments", u"http://h/p#one", u"http://h/p#two", true);
    row("dot segments", u"http://h/a/../b/./c", u"http://h/b/c", true);
    row("schemes", u"http://h/", u"https://h/", false);
    row("empty query", u"http://h/p?", u"http://h/p", false);
}

void tst_CrawlRules::canonicalEquivalence()
{
    QFETCH(QString, first);
    QFETCH(QString, second);
    QFETCH(bool, same);
    const QUrl a = Crawl::canonical(QUrl(first));
    const QUrl b = Crawl::canonical(QUrl(second));
    // What a QSet<QUrl> of seen pages goes by: equality and the hash.
    QCOMPARE(a == b, same);
    QCOMPARE(a.toString(QUrl::FullyEncoded) == b.toString(QUrl::FullyEncoded), same);
    if (same)
        QCOMPARE(qHash(a), qHash(b));
}

void tst_CrawlRules::sameSite_data()
{
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("second");
    QTest::addColumn<bool>("same");

    QTest::newRow("paths differ") << QStringLiteral("http://h/a") << QStringLiteral("http://h/b?c")
                                  << true;
    QTest::newRow("default port") << QStringLiteral("http://h:80/") << QStringLiteral("http://h/")
                                  << true;
    QTest::newRow("host case") << QStringLiteral("HTTP://H.example/")
                               << QStringLiteral("http://h.example/") << true;
    QTest::newRow("scheme") << QStringLiteral("http://h/") << QStringLiteral("https://h/") << false;
    QTest::newRow("port") << QStringLiteral("http://h:8080/") << QStringLiteral("http://h/")
                          << false;
    QTest::newRow("subdomain") << QStringLiteral("http://www.h/") << QStringLiteral("http://h/")
                               << false;
    QTest::newRow("not http") << QStringLiteral("mailto:a@h") << QStringLiteral("http://h/")
                              << false;
    QTest::newRow("empty") << QString() << QString() << false;
}

void tst_CrawlRules::sameSite()
{
    QFETCH(QString, first);
    QFETCH(QString, second);
    QFETCH(bool, same);
    QCOMPARE(Crawl::sameSite(QUrl(first), QUrl(second)), same);
    QCOMPARE(Crawl::sameSite(QUrl(second), QUrl(first)), same);
}

void tst_CrawlRules::isHtml_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("html");

    QTest::newRow("text/html") << QByteArray("text/html") << true;
    QTest::newRow("charset") << QByteArray("text/html; charset=utf-8") << true;
    QTest::newRow("charset, no space") << QByteArray("text/html;charset=UTF-8") << true;
    QTest::newRow("upper case") << QByteArray("Text/HTML; Charset=ISO-8859-1") << true;
    QTest::newRow("spaces") << QByteArray("  text/html  ;x=y") << true;
    QTest::newRow("xhtml") << QByteArray("application/xhtml+xml") << true;
    QTest::newRow("xhtml, charset") << QByteArray("APPLICATION/XHTML+XML;charset=utf-8") << true;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("plain text") << QByteArray("text/plain") << false;
    QTest::newRow("xml") << QByteArray("application/xml") << false;
    QTest::newRow("json") << QByteArray("application/json; charset=utf-8") << false;
    QTest::newRow("a prefix") << QByteArray("text/htmlx") << false;
    QTest::newRow("a parameter only") << QByteArray("; text/html") << false;
}

void tst_CrawlRules::isHtml()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, html);
    QCOMPARE(Crawl::isHtml(contentType), html);
}

QTEST_GUILESS_MAIN(tst_CrawlRules)
#include "tst_crawlrules.moc"
