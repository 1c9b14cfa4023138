/** Documentation generated from the code, so that it cannot drift: the configuration reference. */
package io.sessionizer.launcher.docs;
