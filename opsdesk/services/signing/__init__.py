"""Signed papers: PAdES signatures (pyHanko) made with a person's key, and their validation offline.

Owns: where a person's key comes from (``credentials``: PKCS#12 certificate files, PKCS#11 smart cards and
tokens), trusted time (``timestamping``), signing a PDF in an incremental update with a visible block
(``pades``), checking every signature of a PDF against the workspace's own trust anchors and revocation lists
with no network (``validation``), those anchors and lists (``trust``: tables trust_anchor and revocation_list),
the audited use cases the CLI and the window call (``papers``) and the self-test's signing step (``selfcheck``).

May import: the kernel, domain and reports (the signature block is drawn in the papers' fonts). No other service
package: the committee package uses this one to sign as it exports, never the other way round."""
