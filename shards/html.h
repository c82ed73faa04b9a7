/*
 * html.h - readable text (and the title) from an HTML document.
 *
 * A single-pass HTML5-style tokenizer, not a tree builder and not regular
 * expressions: tags with quoted/unquoted attributes, comments (including
 * "<!-->" and comments left open at EOF), DOCTYPE, CDATA sections,
 * processing instructions and "</" bogus comments are recognised as the
 * HTML Standard's tokenizer does; a "<" not followed by a letter, "/", "!"
 * or "?" is text.  No recursion and no element stack: only counters, so
 * 100k nested elements cost nothing and every input is handled in time
 * linear in its length.  The input is never read past len (it need not be
 * NUL-terminated).
 *
 * What becomes text (the rules the README states):
 *   - Dropped with their content: script, style, noscript, template, svg,
 *     math, head, iframe, object, canvas, audio, video, select, datalist,
 *     textarea, noembed, noframes.  Those that can nest (svg, math,
 *     template, object, canvas, audio, video, datalist) are depth-counted;
 *     a self-closing <svg/> or <math/> opens nothing.  An element left open
 *     drops everything up to EOF, except:
 *       head   ends at </head>, <body>, any start tag that cannot be in a
 *              head (<div>, <p>, ...), </body>, </html>, </br>, or text
 *              that is not whitespace (that text is kept);
 *       select ends at </select> or a <select>, <input>, <textarea>
 *              start tag (it does not nest).
 *   - Raw-text elements (script, style, xmp, iframe, noembed, noframes,
 *     noscript, and the escapable textarea, title) run until the matching
 *     end tag, case-insensitively ("</script" + whitespace, "/" or ">");
 *     "</div>" or "</scr" inside a script is script.  <plaintext> makes
 *     the rest of the document literal text.
 *   - The title: the first <title> that is not inside a dropped element
 *     other than head; entities decoded, whitespace collapsed, trimmed.
 *     It never goes to text.  A <title> whose "</title>" never comes ends
 *     at the next "<" (a page is not lost to one broken tag).
 *   - Block elements (p, div, li, h1-h6, tr, table, section, ...) start and
 *     end a line: their text is separated by exactly one "\n", never a
 *     blank line.  Each <br> is a hard line break; two in a row make one
 *     blank line, never more.  Cells (td, th) in a row are separated by
 *     one "\t".  Inline elements (a, span, b, em, ...) do not break.
 *   - Whitespace: runs of ASCII whitespace (tab, LF, FF, CR, space)
 *     collapse to one space; lines are trimmed; no leading or trailing
 *     blank lines.  U+00A0 (&nbsp; or the raw character) counts as
 *     whitespace too, so lines of nothing but &nbsp; disappear (inside
 *     <pre> it is kept).
 *   - <pre>, <listing> and <xmp> keep their whitespace and line breaks
 *     (CR LF and CR become LF; a newline right after <pre> is dropped, as
 *     browsers do).
 *   - Entities: all 2231 HTML5 named references, the legacy ones also
 *     without ";" with longest-match ("&notit;" is "¬it;"), decimal and hex
 *     references with or without ";" and the HTML5 fix-ups (0, surrogates
 *     and > U+10FFFF become U+FFFD; 0x80-0x9F go through windows-1252).
 *     Not decoded in raw text (xmp, plaintext).
 *   - Output is valid UTF-8: invalid input sequences become U+FFFD
 *     (maximal subpart rule); NUL bytes are dropped; other control
 *     characters pass through.
 *   - An attribute value or tag left open at EOF swallows the rest of the
 *     input, as in browsers.  CDATA sections are dropped (in HTML they are
 *     comments; in svg/math they are dropped with their parent).
 *
 * Thread safety: html_extract() keeps no global state; call it from any
 * number of threads on distinct results.
 */
#ifndef SLUICE_HTML_H
#define SLUICE_HTML_H

#include <stddef.h>

#include "buf.h"

/*
 * The result of an extraction.  The caller initialises both buffers
 * (BUF_INIT or buf_init(), which also sets their size caps), may reuse
 * one html_result for many documents, and releases them with
 * buf_release().
 */
struct html_result {
	struct buf text;   /* the readable text, UTF-8, lines joined by "\n" */
	struct buf title;  /* the first <title>, UTF-8, one line; may be empty */
};

/*
 * Extract the readable text and the title of the UTF-8 HTML document
 * html[0..len).  Both buffers of res are reset first, then filled.
 * Returns 0, or SL_ETOOBIG when a buffer would pass its cap, or
 * SL_ENOMEM; on error the buffers hold a valid-UTF-8 prefix of the result.
 * html may be NULL when len is 0.
 */
int html_extract(const char *html, size_t len, struct html_result *res);

#endif
