"""A county's daily programmes: many villages, each shared segment made once (an application, like daily/)."""
