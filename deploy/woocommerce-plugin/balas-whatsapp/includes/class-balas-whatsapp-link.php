<?php
/**
 * The wa.me click-to-chat link and the prefilled message it carries.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * Pure string building, no WordPress calls, so it is the same in tests and on the site.
 */
final class Balas_WhatsApp_Link {

	/**
	 * A https://wa.me/<digits>?text=<text> link: wa.me wants the number as digits only.
	 *
	 * @param string $number An E.164 number such as +6281234567890.
	 * @param string $text   The message WhatsApp puts in the chat box ('' for none).
	 */
	public static function to( string $number, string $text ): string {
		$link = 'https://wa.me/' . preg_replace( '/\D+/', '', $number );
		// rawurlencode writes a space as %20, as WhatsApp's own examples do (urlencode would write "+").
		return '' === $text ? $link : $link . '?text=' . rawurlencode( $text );
	}

	/**
	 * The product page's message: {product} and {url} in the template replaced in one pass,
	 * so a product name that itself contains "{url}" is left as written.
	 *
	 * @param string $template The admin's template.
	 * @param string $name     The product's name.
	 * @param string $url      The product page's address.
	 */
	public static function product_message( string $template, string $name, string $url ): string {
		return strtr(
			$template,
			array(
				'{product}' => $name,
				'{url}'     => $url,
			)
		);
	}
}
