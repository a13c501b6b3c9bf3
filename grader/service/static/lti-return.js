// Posts the deep-linking response back to the platform at once (a script file: the CSP allows no
// inline script); without JavaScript the page's Continue button does the same.
document.getElementById("lti-return").submit();
